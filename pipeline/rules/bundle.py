"""Bundling: the documents of a submission grouped by contract.

With an intake manifest that lists each contract's files, the grouping is the manifest's (confidence 1). Without it,
every contract document opens a bundle and each other document joins the bundle it names or fits best:

1. the contract number printed on it (an acceptance certificate's 合同编号, a payment's 用途, a voucher's 摘要, any
   line of its text), confidence 0.95;
2. else the parties (buyer/seller, payer/payee, 甲方/乙方 against the contract's parties; a tax id outranks a name)
   with the amount and the date as tie-breaks, confidence 0.8 when one contract fits, lower when several do.

Documents that fit no contract (a commitment letter, an unreadable page) stay unassigned and are reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.rules.facts import Doc, money, name_score
from pipeline.rules.intake import Intake
from pipeline.types import DocType


@dataclass
class Bundle:
    id: str
    docs: list[Doc] = field(default_factory=list)
    grouping: str = "manifest"  # manifest | auto
    confidence: float = 1.0
    reasons: list[str] = field(default_factory=list)

    def of(self, *types: DocType) -> list[Doc]:
        return [d for d in self.docs if d.type in types]

    @property
    def contract(self) -> Doc | None:
        """The contract document (the first one when a bundle holds several, e.g. a supplementary agreement)."""
        c = self.of(DocType.contract)
        return c[0] if c else None

    @property
    def invoices(self) -> list[Doc]:
        return self.of(DocType.invoice)

    @property
    def slips(self) -> list[Doc]:
        return self.of(DocType.bank_slip)

    @property
    def acceptances(self) -> list[Doc]:
        return self.of(DocType.acceptance)

    @property
    def vouchers(self) -> list[Doc]:
        return self.of(DocType.voucher)

    @property
    def contract_number(self) -> str | None:
        c = self.contract
        if c is not None and c["contract_number"]:
            return c["contract_number"]
        for d in self.acceptances:
            if d["contract_number"]:
                return d["contract_number"]
        return None

    def parties(self) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None]]:
        """(name, tax id) of party A (buyer, payer) and party B (seller, payee), from the best document that has them."""
        c = self.contract
        if c is not None and (c["party_a_name"] or c["party_b_name"]):
            return (c["party_a_name"], c["party_a_tax_id"]), (c["party_b_name"], c["party_b_tax_id"])
        for d in self.invoices:
            if d["buyer_name"] or d["seller_name"]:
                return (d["buyer_name"], d["buyer_tax_id"]), (d["seller_name"], d["seller_tax_id"])
        for d in self.acceptances:
            return (d["party_a_name"], None), (d["party_b_name"], None)
        return (None, None), (None, None)


def bundle(docs: list[Doc], intake: Intake | None) -> tuple[list[Bundle], list[Doc]]:
    """(bundles in contract order, unassigned documents)."""
    if intake is not None and intake.contracts:
        return _from_manifest(docs, intake)
    return _auto(docs)


def _from_manifest(docs: list[Doc], intake: Intake) -> tuple[list[Bundle], list[Doc]]:
    owner: dict[str, str] = {}
    for c in intake.contracts or ():
        for f in c.files:
            owner[_norm_path(f)] = c.id
    bundles = {c.id: Bundle(id=c.id, reasons=["listed in the intake manifest"]) for c in intake.contracts or ()}
    unassigned = []
    for d in docs:
        cid = owner.get(_norm_path(d.file_id))
        if cid is None:
            unassigned.append(d)
        else:
            bundles[cid].docs.append(d)
    return list(bundles.values()), unassigned


def _norm_path(p: str) -> str:
    return p.replace("\\", "/").lstrip("./")


_NUMBER_TEXT_FIELDS = ("contract_number", "purpose", "summary", "project_name")


def _auto(docs: list[Doc]) -> tuple[list[Bundle], list[Doc]]:
    contracts = [d for d in docs if d.type == DocType.contract]
    contracts.sort(key=lambda d: (d["sign_date"] or "9999", d.id))
    bundles = [Bundle(id=f"C{i + 1}", docs=[c], grouping="auto", confidence=1.0,
                      reasons=[f"contract {c['contract_number'] or c.id}"]) for i, c in enumerate(contracts)]
    unassigned: list[Doc] = []
    for d in docs:
        if d.type == DocType.contract:
            continue
        if d.type == DocType.other or not bundles:
            unassigned.append(d)
            continue
        target, conf, why = _place(d, bundles)
        if target is None:
            unassigned.append(d)
            continue
        target.docs.append(d)
        target.confidence = min(target.confidence, conf)
        target.reasons.append(f"{d.id}: {why}")
    return bundles, unassigned


def _compact(s: str | None) -> str:
    return re.sub(r"\s", "", s or "")


def _place(d: Doc, bundles: list[Bundle]) -> tuple[Bundle | None, float, str]:
    # 1. the contract number, in a field that names it, then anywhere in the text
    for where, texts in (("field", [_compact(d[f]) for f in _NUMBER_TEXT_FIELDS]), ("text", [_compact(d.text)])):
        hits = [b for b in bundles if b.contract_number and any(_compact(b.contract_number) in t for t in texts if t)]
        if len(hits) == 1:
            return hits[0], 0.95 if where == "field" else 0.9, f"names contract number {hits[0].contract_number}"
    # 2. the parties, then amount and date
    a_key, b_key = {
        DocType.invoice: ("buyer", "seller"), DocType.bank_slip: ("payer", "payee"),
        DocType.acceptance: ("party_a", "party_b"), DocType.voucher: (None, None),
    }.get(d.type, (None, None))
    scored = []
    for b in bundles:
        (an, at), (bn, bt) = b.parties()
        s = 0.0
        if a_key:
            s += _party_fit(d[f"{a_key}_name"], d[f"{a_key}_tax_id"] if d.type == DocType.invoice else None, an, at)
            s += _party_fit(d[f"{b_key}_name"], d[f"{b_key}_tax_id"] if d.type == DocType.invoice else None, bn, bt)
        scored.append((s, b))
    best = max(s for s, _ in scored)
    if best < 1.5 and d.type != DocType.voucher:
        return None, 0.0, "fits no contract's parties"
    fits = [b for s, b in scored if s >= best - 1e-6]
    if len(fits) == 1:
        return fits[0], 0.8, "parties match"
    # several contracts between the same parties (or a voucher): the amount decides, then the date
    amount = money(d["total_amount"] or d["amount"] or d["total_debit"])
    date = d["issue_date"] or d["transaction_date"] or d["acceptance_date"] or d["voucher_date"]

    def fit(b: Bundle) -> tuple:
        total = money(b.contract["total_amount"]) if b.contract else None
        over = amount is not None and total is not None and amount > total
        signed = b.contract["sign_date"] if b.contract else None
        before = bool(date and signed and date < signed)
        gap = abs(total - amount) if amount is not None and total is not None else 10**12
        return (over, before, gap)

    fits.sort(key=fit)
    return fits[0], 0.5, f"parties match {len(fits)} contracts; nearest by amount and date"


def _party_fit(name: str | None, tax_id: str | None, ref_name: str | None, ref_tax_id: str | None) -> float:
    if tax_id and ref_tax_id and tax_id == ref_tax_id:
        return 1.0
    return 1.0 if name_score(name, ref_name) >= 85 else 0.0
