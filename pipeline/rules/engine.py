"""The rules engine: a pack run over a submission's typed documents, to findings, amounts and verdicts.

It needs no images and no OCR: :meth:`RuleEngine.assess` takes the documents of a report (or a reviewer's corrected
copy of them) and the intake manifest, so the rules re-run in milliseconds on corrected fields.

Order of work:
1. bundle the documents by contract (:mod:`pipeline.rules.bundle`);
2. run every rule that is not *late*, per contract or once for the submission; deduction rules record in the contract's
   :class:`Ledger` what is not counted (a 抵扣联, a payment to another account, a subscription's part after the cut-off);
3. settle the amounts: a contract with a fail of an excluding rule counts 0; otherwise its recognised amount is the
   lowest of contract (or eligible items), counted invoices and counted payments;
4. run the late rules (minimum total, subsidy) on those amounts;
5. the verdicts: a submission-level fail or nothing left to fund -> not eligible; else any contract-level fail or any
   review that is not *standing* -> needs review; else eligible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pipeline.rules.bundle import Bundle, bundle
from pipeline.rules.facts import CENT, Doc, fmt, money
from pipeline.rules.intake import Intake
from pipeline.rules.pack import Pack, Rule
from pipeline.types import (
    Assessment, ContractAssessment, Document, Finding, FindingStatus, Observation, Provenance, Region, Verdict,
)

PASS, FAIL, REVIEW = FindingStatus.passed, FindingStatus.failed, FindingStatus.review


@dataclass
class Outcome:
    """What a check returns; the engine turns it into a :class:`Finding` with the rule id and scope."""

    status: FindingStatus
    message: str
    observations: list[Observation] = field(default_factory=list)
    score: float | None = None
    threshold: float | None = None
    evidence: list[Region] = field(default_factory=list)
    standing: bool = False


def passed(message: str, observations=(), **kw) -> Outcome:
    return Outcome(PASS, message, list(observations), **kw)


def failed(message: str, observations=(), **kw) -> Outcome:
    return Outcome(FAIL, message, list(observations), **kw)


def review(message: str, observations=(), **kw) -> Outcome:
    return Outcome(REVIEW, message, list(observations), **kw)


def worst(outcomes: list[Outcome], if_none: Outcome) -> Outcome:
    """One outcome from several sub-checks: the fails if any, else the reviews, else the passes (messages joined)."""
    if not outcomes:
        return if_none
    for status in (FAIL, REVIEW, PASS):
        sel = [o for o in outcomes if o.status == status]
        if sel:
            return Outcome(
                status, "; ".join(dict.fromkeys(o.message for o in sel)),
                [ob for o in sel for ob in o.observations],
                score=min((o.score for o in sel if o.score is not None), default=None),
                threshold=next((o.threshold for o in sel if o.threshold is not None), None),
                evidence=[r for o in sel for r in o.evidence], standing=all(o.standing for o in sel))
    raise AssertionError


@dataclass
class CountedItem:
    kind: str | None
    printed: Decimal
    counted: Decimal


@dataclass
class Ledger:
    """What the deduction and consistency rules leave out of a contract's amounts, and why."""

    uncounted_invoices: dict[str, str] = field(default_factory=dict)  # document id -> rule id
    uncounted_payments: dict[str, str] = field(default_factory=dict)
    items: list[CountedItem] | None = None  # set by a rule that cuts items (a subscription's part after a cut-off)
    service_ratio: Decimal | None = None  # set by a rule that caps the service fee at a ratio of the software fee

    def drop_invoice(self, doc: Doc, rule_id: str) -> None:
        self.uncounted_invoices.setdefault(doc.id, rule_id)

    def drop_payment(self, doc: Doc, rule_id: str) -> None:
        self.uncounted_payments.setdefault(doc.id, rule_id)


@dataclass
class Context:
    pack: Pack
    intake: Intake
    docs: list[Doc]
    bundles: list[Bundle]
    unassigned: list[Doc]
    ledgers: dict[str, Ledger]
    amounts: dict[str, "ContractAmounts"] = field(default_factory=dict)
    recognised_total: Decimal = Decimal("0.00")

    @property
    def applicant(self) -> dict:
        return self.intake.applicant

    def ref(self, name: str):
        return self.pack.reference[name]


@dataclass
class ContractAmounts:
    contract_total: Decimal | None
    invoice_total: Decimal | None
    invoice_counted: Decimal | None
    paid_total: Decimal | None
    paid_counted: Decimal | None
    eligible_items: Decimal | None
    basis: Decimal | None  # contract total, or eligible items where the pack counts items
    recognised: Decimal
    excluded_by: tuple[str, ...]


class RuleEngine:
    """Build once per pack (the pack and its reference lists are read at construction); :meth:`assess` is pure and
    thread-safe."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.provenance = Provenance(stage="rules", engine=f"pack {pack.id}", version=pack.version)

    def assess(self, documents: list[Document] | tuple[Document, ...], intake: Intake | None = None
               ) -> tuple[tuple[Finding, ...], Assessment, float]:
        """(findings in pack order, the assessment, seconds taken)."""
        t0 = time.perf_counter()
        intake = intake or Intake()
        docs = [Doc(d) for d in documents]
        bundles, unassigned = bundle(docs, intake)
        ctx = Context(self.pack, intake, docs, bundles, unassigned, {b.id: Ledger() for b in bundles})

        results: dict[tuple[str, str | None], Outcome] = {}
        early = [r for r in self.pack.rules if not r.check.late]
        late = [r for r in self.pack.rules if r.check.late]
        for rule in early:
            self._run(rule, ctx, results)
        self._settle(ctx, results)
        for rule in late:
            self._run(rule, ctx, results)

        findings = tuple(self._finding(rule, scope, results[(rule.id, scope)])
                         for rule in self.pack.rules for scope in self._scopes(rule, ctx))
        assessment = self._assessment(ctx, findings)
        return findings, assessment, time.perf_counter() - t0

    # -- running ------------------------------------------------------------------------------------------------------
    @staticmethod
    def _scopes(rule: Rule, ctx: Context) -> list[str | None]:
        return [None] if rule.scope == "submission" else [b.id for b in ctx.bundles]

    def _run(self, rule: Rule, ctx: Context, results: dict) -> None:
        if rule.scope == "submission":
            results[(rule.id, None)] = rule.check.fn(ctx, rule)
        else:
            for b in ctx.bundles:
                results[(rule.id, b.id)] = rule.check.fn(ctx, rule, b)

    def _finding(self, rule: Rule, scope: str | None, o: Outcome) -> Finding:
        evidence = list(o.evidence) + [ob.region for ob in o.observations if ob.region is not None]
        return Finding(rule_id=rule.id, status=o.status, message=o.message, contract=scope,
                       standing=o.standing and o.status == REVIEW, observations=tuple(o.observations),
                       score=o.score, threshold=o.threshold, evidence=tuple(dict.fromkeys(evidence)),
                       provenance=self.provenance)

    # -- amounts ------------------------------------------------------------------------------------------------------
    def _settle(self, ctx: Context, results: dict) -> None:
        total = Decimal("0.00")
        for b in ctx.bundles:
            excluded = tuple(r.id for r in self.pack.rules if r.scope == "contract" and r.effect == "exclude"
                             and not r.check.late and results[(r.id, b.id)].status == FAIL)
            a = self.amounts(ctx, b, excluded)
            ctx.amounts[b.id] = a
            total += a.recognised
        ctx.recognised_total = total

    def amounts(self, ctx: Context, b: Bundle, excluded: tuple[str, ...] = ()) -> ContractAmounts:
        ledger = ctx.ledgers[b.id]
        contract_total = money(b.contract["total_amount"]) if b.contract else None

        def sums(docs: list[Doc], key: str, uncounted: dict[str, str]):
            vals = [(d, money(d[key])) for d in docs]
            if not vals or any(v is None for _, v in vals):
                known = [v for _, v in vals if v is not None]
                return (sum(known, Decimal("0.00")) if known else None), None
            total = sum((v for _, v in vals), Decimal("0.00"))
            counted = sum((v for d, v in vals if d.id not in uncounted), Decimal("0.00"))
            return total, counted

        inv_total, inv_counted = sums(b.invoices, "total_amount", ledger.uncounted_invoices)
        paid_total, paid_counted = sums(b.slips, "amount", ledger.uncounted_payments)
        eligible = eligible_items(b, ledger) if self.pack.amounts.items else None
        basis = eligible if self.pack.amounts.items else contract_total
        parts = [x for x in (basis, inv_counted, paid_counted) if x is not None]
        recognised = min(parts) if len(parts) == 3 and not excluded else Decimal("0.00")
        return ContractAmounts(contract_total, inv_total, inv_counted, paid_total, paid_counted, eligible, basis,
                               recognised, excluded)

    # -- verdicts -----------------------------------------------------------------------------------------------------
    def _assessment(self, ctx: Context, findings: tuple[Finding, ...]) -> Assessment:
        contracts = []
        reasons: list[str] = []
        sub_fails = [f for f in findings if f.contract is None and f.status == FAIL]
        for f in sub_fails:
            reasons.append(f"{f.rule_id} fails: {f.message}")
        contract_issue = False
        for b in ctx.bundles:
            a = ctx.amounts[b.id]
            mine = [f for f in findings if f.contract == b.id]
            fails = [f for f in mine if f.status == FAIL]
            open_reviews = [f for f in mine if f.status == REVIEW and not f.standing]
            c_reasons = [f"{f.rule_id} fails: {f.message}" for f in fails]
            c_reasons += [f"{f.rule_id} needs review: {f.message}" for f in open_reviews]
            if a.excluded_by:
                verdict = Verdict.not_eligible
            elif fails or open_reviews:
                verdict = Verdict.needs_review
            else:
                verdict = Verdict.eligible
            contract_issue |= bool(fails or open_reviews)
            contracts.append(ContractAssessment(
                id=b.id, contract_number=b.contract_number, documents=tuple(d.id for d in b.docs),
                grouping=b.grouping, grouping_confidence=round(b.confidence, 3), grouping_reasons=tuple(b.reasons),
                contract_total=fmt(a.contract_total), invoice_total=fmt(a.invoice_total),
                invoice_total_counted=fmt(a.invoice_counted), paid_total=fmt(a.paid_total),
                paid_total_counted=fmt(a.paid_counted), eligible_items=fmt(a.eligible_items),
                recognised=fmt(a.recognised), excluded_by=a.excluded_by, verdict=verdict, reasons=tuple(c_reasons)))
        sub_reviews = [f for f in findings if f.contract is None and f.status == REVIEW and not f.standing]
        reasons += [f"{f.rule_id} needs review: {f.message}" for f in sub_reviews]
        total = ctx.recognised_total
        if sub_fails or total <= 0:
            verdict = Verdict.not_eligible
            if total <= 0 and not sub_fails:
                reasons.append("nothing is left to fund: every contract is excluded or has no recognised amount")
        elif contract_issue or sub_reviews:
            verdict = Verdict.needs_review
            reasons += [f"contract {c.id}: {c.verdict.value}" for c in contracts if c.verdict != Verdict.eligible]
        else:
            verdict = Verdict.eligible
        subsidy = Decimal("0.00") if verdict == Verdict.not_eligible else subsidy_of(self.pack, total)
        return Assessment(programme=self.pack.id, pack_version=self.pack.version, verdict=verdict,
                          reasons=tuple(reasons), recognised_total=fmt(total), subsidy=fmt(subsidy),
                          contracts=tuple(contracts), unassigned=tuple(d.id for d in ctx.unassigned))


def subsidy_of(pack: Pack, total: Decimal) -> Decimal:
    return min(total * pack.subsidy.rate, pack.subsidy.cap).quantize(CENT, rounding=ROUND_HALF_UP)


def contract_items(b: Bundle) -> list[CountedItem] | None:
    """The contract's item lines as printed (kind and amount), or None when the item table was not read."""
    c = b.contract
    if c is None or not c.items:
        return None
    out = []
    for i in range(len(c.items)):
        amount = money(c.item_value(i, "amount").value)
        if amount is None:
            return None
        out.append(CountedItem(c.item_value(i, "kind").value, amount, amount))
    return out


def eligible_items(b: Bundle, ledger: Ledger) -> Decimal | None:
    """software + hardware + service (capped at ``service_ratio`` x software), over the counted item amounts; from the
    contract's 其中 line (software/hardware/service amounts) when its item table was not read."""
    items = ledger.items if ledger.items is not None else contract_items(b)
    if items is not None:
        by: dict[str, Decimal] = {}
        for it in items:
            by[it.kind or "software"] = by.get(it.kind or "software", Decimal("0.00")) + it.counted
        software, hardware, service = (by.get(k, Decimal("0.00")) for k in ("software", "hardware", "service"))
    else:
        c = b.contract
        if c is None:
            return None
        parts = [money(c[k]) for k in ("software_amount", "hardware_amount", "service_amount")]
        if all(p is None for p in parts):
            return money(c["total_amount"])
        software, hardware, service = (p or Decimal("0.00") for p in parts)
    if ledger.service_ratio is not None:
        service = min(service, (software * ledger.service_ratio).quantize(CENT, rounding=ROUND_HALF_UP))
    return software + hardware + service
