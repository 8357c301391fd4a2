"""The checks a rule pack can use, each registered under a name with its parameters.

Contract-scoped checks get ``(ctx, rule, bundle)``, submission-scoped ones ``(ctx, rule)``; each returns an
:class:`~pipeline.rules.engine.Outcome`. The X checks of RULES.md (matching) are here too: they are rules like the
others, so a pack can tune their thresholds.

Name comparison (X-01, SZ-11, X-02, BJ-10): a tax id outranks a name; a tax id must pass its check character; names are
compared after normalisation with rapidfuzz at character level. Two text-layer names must agree exactly; when either
side was read by OCR, a near miss (score >= ``ocr_review_score``) is a review (a misread is possible), a wider gap is a
fail. Seal owners are read along an arc and are compared with a lower threshold.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from pipeline.rules.bundle import Bundle
from pipeline.rules.engine import (
    Context, Outcome, contract_items, failed, passed, review, subsidy_of, worst,
)
from pipeline.rules.facts import (
    CENT, Doc, SealMatch, Value, amount_words, fmt, money, name_score, seal_match, seal_verified, tax_id_valid,
)
from pipeline.rules.pack import FieldRef, Params, Rule, check, parse_date
from pipeline.types import DocType, Observation, PageKind, SealType

_DOC_LABEL = {
    DocType.contract: "contract", DocType.invoice: "invoice", DocType.bank_slip: "bank slip",
    DocType.acceptance: "acceptance certificate", DocType.voucher: "voucher", DocType.other: "document",
}


def decl(key: str, value) -> Observation:
    return Observation(label=f"declared {key}", value=None if value is None else str(value), source="decl")


def derived(label: str, value) -> Observation:
    return Observation(label=label, value=None if value is None else str(value), source="derived")


def ref_obs(label: str, value) -> Observation:
    return Observation(label=label, value=None if value is None else str(value), source="ref")


def _doc_types(refs) -> list[tuple[DocType, str]]:
    return [(DocType(r.split(".", 1)[0]), r.split(".", 1)[1]) for r in refs]


# == declared facts ===================================================================================================


class Condition(Params):
    key: str  # a key of the manifest's ``applicant``
    equals: bool | str | int | None = None
    starts_with: list[str] | None = None
    one_of: list[str] | None = None
    major_group_between: tuple[int, int] | None = None  # 国民经济行业代码 like C3484 -> 34
    at_least: float | None = None
    at_most_datetime: dt.datetime | None = None
    min_count: int | None = None
    message: str


class DeclaredParams(Params):
    conditions: list[Condition]
    listed_in: str | None = None  # reference list the applicant must be on (by tax id, else name)
    listed_key: str = "enterprises"
    not_listed_in: str | None = None  # reference list the applicant must not be on
    not_listed_key: str = "previously_funded"

    def references(self):
        return [r for r in (self.listed_in, self.not_listed_in) if r]


def _condition(c: Condition, value) -> bool:
    if c.equals is not None or (c.equals is None and "equals" in c.model_fields_set):
        return value == c.equals
    if c.starts_with is not None:
        return isinstance(value, str) and any(value.startswith(p) for p in c.starts_with)
    if c.one_of is not None:
        return value in c.one_of
    if c.major_group_between is not None:
        m = re.match(r"^[A-Z]?(\d{2})", str(value or ""))
        return bool(m) and c.major_group_between[0] <= int(m.group(1)) <= c.major_group_between[1]
    if c.at_least is not None:
        return isinstance(value, (int, float)) and value >= c.at_least
    if c.at_most_datetime is not None:
        try:
            when = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return False
        limit = c.at_most_datetime
        if when.tzinfo is None or limit.tzinfo is None:
            when, limit = when.replace(tzinfo=None), limit.replace(tzinfo=None)
        return when <= limit
    if c.min_count is not None:
        return isinstance(value, (list, tuple)) and len(value) >= c.min_count
    raise ValueError(f"condition on {c.key} has no test")


def _listed(entries: list[dict], name: str | None, tax_id: str | None) -> dict | None:
    for e in entries:
        if tax_id and e.get("tax_id") == tax_id:
            return e
    for e in entries:
        if name and name_score(name, e.get("name") or e.get("enterprise")) == 100:
            return e
    return None


@check("declared", "submission", DeclaredParams)
def declared(ctx: Context, rule: Rule) -> Outcome:
    """Declared facts of the applicant (the intake manifest), optionally looked up in a reference list."""
    p: DeclaredParams = rule.params
    a = ctx.applicant
    outs = []
    for c in p.conditions:
        if c.key not in a or a[c.key] is None and "equals" not in c.model_fields_set:
            outs.append(review(f"not declared: {c.key}", [decl(c.key, None)]))
        elif _condition(c, a[c.key]):
            outs.append(passed(f"{c.key}: {a[c.key]}", [decl(c.key, a[c.key])]))
        else:
            outs.append(failed(c.message.format(value=a[c.key]), [decl(c.key, a[c.key])]))
    name, tax_id = a.get("name"), a.get("tax_id")
    if p.listed_in:
        entry = _listed(ctx.ref(p.listed_in).get(p.listed_key, []), name, tax_id)
        obs = [decl("name", name), decl("tax_id", tax_id)]
        if entry is None:
            outs.append(failed(f"{name} ({tax_id}) is not on the list {p.listed_in}", obs))
        else:
            outs.append(passed(f"on the list {p.listed_in}", obs + [ref_obs(p.listed_in, entry.get("name"))]))
    if p.not_listed_in:
        entry = _listed(ctx.ref(p.not_listed_in).get(p.not_listed_key, []), name, tax_id)
        if entry is not None:
            outs.append(failed(f"{name} is on the list {p.not_listed_in}: {entry.get('reason') or ''}".strip(),
                               [decl("name", name), ref_obs(p.not_listed_in, entry.get("name"))]))
    return worst(outs, passed("nothing to check"))


class SrdiParams(Params):
    status_key: str = "srdi_status"
    statuses: list[str]
    reference: str
    valid_on: FieldRef  # the date the status must be valid on (the acceptance date)
    # without a readable date: valid over this whole window (the programme's acceptance window) is enough
    window: tuple[dt.date, dt.date] | None = None

    def references(self):
        return [self.reference]


@check("srdi_status", "submission", SrdiParams)
def srdi_status(ctx: Context, rule: Rule) -> Outcome:
    """The applicant's 专精特新 status as declared and as listed, valid on every contract's acceptance date."""
    p: SrdiParams = rule.params
    a = ctx.applicant
    status = a.get(p.status_key)
    if status is None:
        return review(f"not declared: {p.status_key}", [decl(p.status_key, None)])
    if status not in p.statuses:
        return failed(f"status {status!r} is not one of {', '.join(p.statuses)}", [decl(p.status_key, status)])
    entry = _listed(ctx.ref(p.reference).get("enterprises", []), a.get("name"), a.get("tax_id"))
    if entry is None:
        return failed(f"{a.get('name')} is not on the list {p.reference}", [decl("name", a.get("name"))])
    start, end = parse_date(entry.get("valid_from")), parse_date(entry.get("valid_until"))
    (doc_type, fname), = _doc_types([p.valid_on])
    obs = [decl(p.status_key, status), ref_obs("listed valid", f"{entry.get('valid_from')}..{entry.get('valid_until')}")]
    dates = [d.get(fname) for b in ctx.bundles for d in b.of(doc_type)]
    known = [v for v in dates if parse_date(v.value)]
    if not known:
        if p.window and start and end and start <= p.window[0] and p.window[1] <= end:
            return passed(f"no {fname} read; the status is valid over the whole window {p.window[0]}..{p.window[1]}",
                          obs)
        return review(f"no {fname} read to check the status on", obs)
    outside = [v for v in known if not (start <= parse_date(v.value) <= end)]
    if outside:
        return failed(f"status valid {start}..{end}, not on {', '.join(v.value for v in outside)}",
                      obs + [v.observation(fname) for v in outside])
    return passed(f"status valid {start}..{end} on every {fname}", obs + [v.observation(fname) for v in known])


# == contract content ================================================================================================


class ContentParams(Params):
    excluded: dict[str, list[str]]  # excluded kind -> keywords
    fields: list[FieldRef]  # texts searched (subject, item names)


@check("excluded_content", "contract", ContentParams)
def excluded_content(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """Contract content: an excluded kind named in the subject or the item lines fails; the rest is a reviewer's call."""
    p: ContentParams = rule.params
    texts: list[Value] = []
    for doc_type, name in _doc_types(p.fields):
        for d in b.of(doc_type):
            if name.startswith("items."):
                texts += [d.item_value(i, name.split(".", 1)[1]) for i in range(len(d.items))]
            else:
                texts.append(d.get(name))
    hits = []
    for v in texts:
        for kind, words in p.excluded.items():
            w = next((w for w in words if v.value and w in v.value), None)
            if w:
                hits.append((kind, w, v))
    if hits:
        kinds = ", ".join(dict.fromkeys(k for k, _, _ in hits))
        return failed(f"excluded content ({kinds}): " + "; ".join(f"{v.value!r} has {w!r}" for _, w, v in hits[:4]),
                      [v.observation(v.name) for _, _, v in hits])
    if not any(v.value for v in texts):
        return review("the contract's subject and items were not read", [])
    return review("no excluded kind named; whether all of it is digital empowerment is a reviewer's call",
                  [v.observation(v.name) for v in texts if v.value][:6], standing=True)


# == dates ===========================================================================================================


class DateWindowParams(Params):
    dates: list[FieldRef]
    start: dt.date | None = None
    end: dt.date | None = None
    # a document type whose absence makes this rule undecidable (review), e.g. the acceptance certificate
    requires: list[DocType] = []


def _dated(b: Bundle, refs: list[str]):
    """(label, document, value, date or None) for every listed date field of the contract's documents."""
    for doc_type, name in _doc_types(refs):
        for d in b.of(doc_type):
            v = d.get(name)
            yield f"{_DOC_LABEL[doc_type]} {name}", d, v, parse_date(v.value)


@check("date_window", "contract", DateWindowParams)
def date_window(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """Every listed date of the contract's documents lies within [start, end]."""
    p: DateWindowParams = rule.params
    window = f"{p.start or '…'} … {p.end or '…'}"
    missing = [t for t in p.requires if not b.of(t)]
    if missing:
        return review(f"no {', '.join(_DOC_LABEL[t] for t in missing)} to read the date from", [])
    outs = []
    for label, d, v, day in _dated(b, p.dates):
        if day is None:
            outs.append(review(f"{label} not read ({d.id})", [v.observation(label)]))
        elif (p.start and day < p.start) or (p.end and day > p.end):
            outs.append(failed(f"{label} {day} outside {window}", [v.observation(label)]))
        else:
            outs.append(passed(f"{label} {day} within {window}", [v.observation(label)]))
    return worst(outs, review("no date to check", []))


class DateOrderParams(Params):
    first: FieldRef  # e.g. contract.sign_date
    not_before_first: list[FieldRef]  # dates that must not precede it


@check("date_order", "contract", DateOrderParams)
def date_order(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-05: the contract is signed on or before every invoice, payment and acceptance date."""
    p: DateOrderParams = rule.params
    (ft, fname), = _doc_types([p.first])
    firsts = [d.get(fname) for d in b.of(ft)]
    first = next((v for v in firsts if parse_date(v.value)), None)
    if first is None:
        return review(f"{_DOC_LABEL[ft]} {fname} not read", [v.observation(fname) for v in firsts])
    day0 = parse_date(first.value)
    outs = []
    for label, d, v, day in _dated(b, p.not_before_first):
        if day is None:
            continue  # an unread date is the date rules' business; order needs two dates
        obs = [first.observation(f"{_DOC_LABEL[ft]} {fname}"), v.observation(label)]
        if day < day0:
            outs.append(failed(f"{label} {day} ({d.id}) is before the {_DOC_LABEL[ft]} {fname} {day0}", obs))
        else:
            outs.append(passed(f"{label} {day} not before {day0}", obs))
    return worst(outs, passed(f"no dated document to compare with {day0}"))


# == parties =========================================================================================================


class PartyParams(Params):
    ocr_review_score: float = 85.0  # an OCR'd name this close to the party's is a review, not a fail
    check_applicant: bool = True  # the declared applicant is party A of every contract
    documents: list[DocType] = [DocType.invoice, DocType.bank_slip, DocType.acceptance]
    drop_uncounted: bool = False  # an invoice or payment between other parties is not counted (SZ-11)


_SIDES = {
    DocType.invoice: (("buyer_name", "buyer_tax_id", "invoice buyer"), ("seller_name", "seller_tax_id", "invoice seller")),
    DocType.bank_slip: (("payer_name", None, "payer"), ("payee_name", None, "payee")),
    DocType.acceptance: (("party_a_name", None, "acceptance party A"), ("party_b_name", None, "acceptance party B")),
}


def compare_party(name: Value, tax: Value | None, ref_name: Value | Observation, ref_tax: Value | Observation | None,
                  label: str, ref_label: str, p: PartyParams) -> Outcome:
    def ob(v, lab):
        return v if isinstance(v, Observation) else v.observation(lab)

    obs = [ob(name, label), ob(ref_name, ref_label)]
    ref_tax_value = ref_tax.value if ref_tax is not None else None
    if tax is not None and tax.value:
        obs += [tax.observation(f"{label} tax id")] + ([ob(ref_tax, f"{ref_label} tax id")] if ref_tax else [])
        if not tax_id_valid(tax.value):
            return failed(f"{label} tax id {tax.value} fails its check character (GB 32100)", obs)
        if ref_tax_value and tax.value == ref_tax_value:
            return passed(f"{label} tax id matches {ref_label}", obs, score=100.0, threshold=100.0)
        if ref_tax_value and tax_id_valid(ref_tax_value):
            near = name.value and ref_name.value and name_score(name.value, ref_name.value) >= p.ocr_review_score
            if tax.ocr and near:
                return review(f"{label} tax id {tax.value} differs from {ref_label}'s {ref_tax_value} but the names "
                              f"nearly match: check the printed tax id", obs)
            return failed(f"{label} tax id {tax.value} differs from {ref_label}'s {ref_tax_value}", obs)
    ref_value = ref_name.value
    if not name.value or not ref_value:
        return review(f"{label if not name.value else ref_label} name not read", obs)
    score = name_score(name.value, ref_value)
    ocr = name.ocr or (isinstance(ref_name, Value) and ref_name.ocr)
    if score == 100:
        return passed(f"{label} is {ref_label}", obs, score=score, threshold=100.0)
    if ocr and score >= p.ocr_review_score:
        return review(f"{label} {name.value!r} vs {ref_label} {ref_value!r}: near match, may be an OCR misread",
                      obs, score=score, threshold=100.0)
    return failed(f"{label} {name.value!r} is not {ref_label} {ref_value!r}", obs, score=score, threshold=100.0)


def _party_refs(b: Bundle):
    c = b.contract
    if c is not None:
        return ((c.get("party_a_name"), c.get("party_a_tax_id"), "contract party A"),
                (c.get("party_b_name"), c.get("party_b_tax_id"), "contract party B"))
    return None


def party_outcomes(ctx: Context, b: Bundle, p: PartyParams) -> list[tuple[Doc | None, Outcome]]:
    refs = _party_refs(b)
    if refs is None:
        return []
    out: list[tuple[Doc | None, Outcome]] = []
    for d in b.docs:
        if d.type not in p.documents or d.type not in _SIDES:
            continue
        for (nk, tk, label), (rn, rt, rl) in zip(_SIDES[d.type], refs):
            out.append((d, compare_party(d.get(nk), d.get(tk) if tk else None, rn, rt, f"{label} ({d.id})", rl, p)))
    return out


@check("parties_agree", "contract", PartyParams)
def parties_agree(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-01 (SZ-11 with ``drop_uncounted``): the parties on every invoice, payment and acceptance certificate are the
    contract's; the declared applicant is party A; every printed tax id passes its check character."""
    p: PartyParams = rule.params
    refs = _party_refs(b)
    if refs is None:
        return review("no contract to take the parties from", [])
    outs = []
    results = party_outcomes(ctx, b, p)
    for d, o in results:
        outs.append(o)
        if p.drop_uncounted and o.status.value == "fail":
            (ctx.ledgers[b.id].drop_invoice if d.type == DocType.invoice else ctx.ledgers[b.id].drop_payment)(d, rule.id)
    c = b.contract
    for side in ("a", "b"):
        t = c.get(f"party_{side}_tax_id")
        if t.value and not tax_id_valid(t.value):
            outs.append(failed(f"contract party {side.upper()} tax id {t.value} fails its check character",
                               [t.observation(f"contract party {side.upper()} tax id")]))
    if p.check_applicant and ctx.applicant.get("name"):
        a = ctx.applicant
        outs.append(compare_party(c.get("party_a_name"), c.get("party_a_tax_id"), decl("name", a.get("name")),
                                  decl("tax_id", a.get("tax_id")) if a.get("tax_id") else None,
                                  "contract party A", "the applicant", p))
    return worst(outs, review("no document to compare the parties on", []))


# == seals ===========================================================================================================

_ORG_SEALS = (SealType.official, SealType.contract, SealType.finance, SealType.invoice)
_SEAL_WORDS = {SealType.official: "公章", SealType.finance: "财务专用章", SealType.contract: "合同专用章",
               SealType.invoice: "发票专用章", SealType.legal_rep: "名章", SealType.bank: "银行章",
               SealType.supervision: "监制章", SealType.other: "其他印章"}


class SealParams(Params):
    owner_threshold: float = 85.0  # seal owner text vs party name: at least this similar is a match
    mismatch_llr: float = -2.75  # arc lattice: a party's name this unlikely is another organisation's seal ...
    mismatch_others: int = 2  # ... when this many of its unseen characters are read as others ...
    other_prob: float = 0.5  # ... this surely ...
    mismatch_share: float = 0.5  # ... and at least this share of them are (else the stretch is mostly unread)
    min_type_confidence: float = 0.5
    documents: list[DocType] = [DocType.contract, DocType.acceptance]


FAX = "fax or binarised copy"


def _colourless(d: Doc) -> str | None:
    """'greyscale copy' / 'fax or binarised copy' when the document's pages carry no colour (red seals cannot be told
    from black print there), else None."""
    modes = {p.colour for p in d.document.pages if p.kind == PageKind.scanned}  # a digital page is never a copy
    if "bilevel" in modes:
        return FAX
    if "grey" in modes:
        return "greyscale copy"
    return None


_RANK = {"match": 2, "unsure": 1, "mismatch": 0}


def _match(seal, name: str | None, p: "SealParams") -> SealMatch:
    return seal_match(seal, name, threshold=p.owner_threshold, mismatch_llr=p.mismatch_llr,
                      mismatch_others=p.mismatch_others, other_prob=p.other_prob, mismatch_share=p.mismatch_share)


def _parties_sealed(d: Doc, names: list[tuple[str, str]], p: "SealParams") -> bool:
    """Every party has a seal verified as its own on document ``d`` (never on a fax copy: nothing is verified there)."""
    if _colourless(d) == FAX:
        return False
    matched = {_best_party(s, names, p)[1] for s in d.seals if s.type in _ORG_SEALS and not s.cross_page
               and _best_party(s, names, p)[0].status == "match"}
    return bool(names) and all(lab in matched for _, lab in names)


def _best_party(seal, names: list[tuple[str, str]], p: "SealParams") -> tuple[SealMatch, str]:
    """The party whose name fits the seal best: a match over an unsure over a mismatch, then by score. Matches are
    looked for first (cheaply): a seal that is one party's needs no verdict on the others."""
    if not names:
        return SealMatch("unsure", 0.0, "no party name"), ""
    scored = [(m, lab) for n, lab in names if (m := seal_verified(seal, n, threshold=p.owner_threshold)) is not None]
    scored = scored or [(_match(seal, n, p), lab) for n, lab in names]
    return max(scored, key=lambda x: (_RANK[x[0].status], x[0].score))


def _seal_obs(d: Doc, seal) -> Observation:
    return Observation(label=f"{_SEAL_WORDS[seal.type]} ({seal.type.value}) on {d.id} page {seal.page + 1}",
                       value=seal.owner, source="doc", document=d.id, field="seals", region=d.seal_region(seal),
                       confidence=round(seal.confidence, 3))


@check("seal_owners", "contract", SealParams)
def seal_owners(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-02: every organisation seal on the contract and the acceptance certificate belongs to one of the parties."""
    p: SealParams = rule.params
    refs = _party_refs(b)
    if refs is None:
        return review("no contract to take the parties from", [])
    names = [(r[0].value, r[2]) for r in refs if r[0].value]
    outs = []
    for d in b.docs:
        if d.type not in p.documents:
            continue
        for s in d.seals:
            if s.type not in _ORG_SEALS or s.cross_page:
                continue
            ob = _seal_obs(d, s)
            m, who = _best_party(s, names, p)
            if m.status == "mismatch" and _colourless(d):  # a fax or greyscale copy: the ring's words are not proof
                m = SealMatch("unsure", m.score, f"{m.how}; {_colourless(d)}")
            if m.status == "match" and _colourless(d) == FAX:
                outs.append(review(f"seal read as {who}'s on {d.id} ({m.how}), but {d.id} is a {FAX}: whose seal it "
                                   f"is needs the original", [ob], score=m.score, threshold=p.owner_threshold))
            elif m.status == "match":
                outs.append(passed(f"seal of {who} on {d.id} ({m.how})", [ob], score=m.score,
                                   threshold=p.owner_threshold))
            elif m.status == "unsure" and _parties_sealed(d, names, p):
                outs.append(passed(f"an extra {_SEAL_WORDS[s.type]} on {d.id} whose owner could not be read "
                                   f"({s.owner or 'nothing read'}); every party's seal is verified there", [ob],
                                   score=m.score, threshold=p.owner_threshold))
            elif m.status == "unsure":
                outs.append(review(f"owner of the {_SEAL_WORDS[s.type]} on {d.id} not legible enough to match "
                                   f"({s.owner or 'nothing read'}; closest {who}: {m.how})", [ob], score=m.score,
                                   threshold=p.owner_threshold))
            else:
                outs.append(failed(f"the {_SEAL_WORDS[s.type]} on {d.id} belongs to {s.owner!r}, not to a party "
                                   f"({m.how})", [ob] + [r[0].observation(r[2]) for r in refs], score=m.score,
                                   threshold=p.owner_threshold))
    return worst(outs, passed("no organisation seal to match"))


class AcceptanceSealParams(SealParams):
    required: SealType = SealType.official
    documents: list[DocType] = [DocType.acceptance]


@check("party_seals", "contract", AcceptanceSealParams)
def party_seals(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-10: the acceptance certificate carries each party's official seal; another seal type of the party (finance,
    contract) does not count; a seal of someone else does not count."""
    p: AcceptanceSealParams = rule.params
    docs = [d for d in b.docs if d.type in p.documents]
    if not docs:
        return review(f"no {', '.join(_DOC_LABEL[t] for t in p.documents)} in this contract's evidence", [])
    refs = _party_refs(b)
    if refs is None:
        (an, bn) = (docs[0].get("party_a_name"), docs[0].get("party_b_name"))
        refs = ((an, None, "party A"), (bn, None, "party B"))
    seals = [(d, s) for d in docs for s in d.seals if s.type not in (SealType.bank, SealType.supervision)
             and not s.cross_page]
    names = [(r[0].value, r[2]) for r in refs if r[0].value]
    best = {id(s): _best_party(s, names, p) for _, s in seals}
    for d, s in seals:
        if _colourless(d):  # a fax or greyscale copy: neither another owner nor another seal type is proven
            m, who = best[id(s)]
            best[id(s)] = (SealMatch("unsure", m.score, f"{m.how}; {_colourless(d)}") if m.status == "mismatch"
                           else m, who)
    outs = []
    for name, _, label in refs:
        obs = [name.observation(label)]
        mine = [(d, s, best[id(s)][0]) for d, s in seals if best[id(s)][1] == label and best[id(s)][0].status == "match"]
        # a seal read as the party's on a fax or binarised copy: black, broken rings prove neither owner nor type
        faxed = [(d, s, m) for d, s, m in mine if _colourless(d) == FAX]
        mine = [(d, s, m) for d, s, m in mine if _colourless(d) != FAX]
        sure = [(d, s, m) for d, s, m in mine if s.type_confidence >= p.min_type_confidence
                and (s.type == p.required or not _colourless(d))]
        good = [(d, s, m) for d, s, m in sure if s.type == p.required]
        if good:
            d, s, m = max(good, key=lambda x: x[2].score)
            outs.append(passed(f"{_SEAL_WORDS[p.required]} of {label} on {d.id} ({m.how})", obs + [_seal_obs(d, s)],
                               score=m.score, threshold=p.owner_threshold))
            continue
        if faxed:
            d, s, m = max(faxed, key=lambda x: x[2].score)
            outs.append(review(f"a seal read as {label}'s on {d.id} ({m.how}), but {d.id} is a {FAX}: that it is "
                               f"{label}'s {_SEAL_WORDS[p.required]} needs the original", obs + [_seal_obs(d, s)],
                               score=m.score, threshold=p.owner_threshold))
            continue
        wrong = [(d, s, m) for d, s, m in sure if s.type in _ORG_SEALS]
        if wrong and len(sure) == len(mine):
            d, s, m = wrong[0]
            outs.append(failed(f"{label}'s seal on {d.id} is a {_SEAL_WORDS[s.type]} ({s.type.value}), not a "
                               f"{_SEAL_WORDS[p.required]}", obs + [_seal_obs(d, s)], score=m.score,
                               threshold=p.owner_threshold))
            continue
        if mine:
            d, s, _ = next(x for x in mine if x not in sure)
            why = _colourless(d) or f"{s.type.value}, {s.type_confidence:.2f}"
            outs.append(review(f"the type of {label}'s seal on {d.id} could not be read with confidence ({why})",
                               obs + [_seal_obs(d, s)]))
            continue
        unsure = [(d, s) for d, s in seals if best[id(s)][0].status == "unsure"]
        others = [(d, s) for d, s in seals if best[id(s)][0].status == "mismatch" and s.type in _ORG_SEALS]
        if unsure:
            outs.append(review(f"no seal verified as {label}'s; {len(unsure)} seal(s) could not be matched with "
                               f"confidence", obs + [_seal_obs(d, s) for d, s in unsure]))
        elif others:
            outs.append(failed(f"no seal of {label}; the organisation seals found belong to "
                               f"{', '.join(repr(s.owner) for _, s in others)}",
                               obs + [_seal_obs(d, s) for d, s in others]))
        elif colourless := [f"{d.id} is a {c}" for d in docs if (c := _colourless(d))]:
            outs.append(review(f"no seal of {label} found; {', '.join(colourless)}: seals cannot be verified from it",
                               obs, evidence=[r for d in docs if (r := d.page_region()) is not None]))
        else:
            outs.append(failed(f"no seal of {label} on the {', '.join(d.id for d in docs)}", obs,
                               evidence=[r for d in docs if (r := d.page_region()) is not None]))
    return worst(outs, review("no party to check", []))


# == amounts =========================================================================================================


@check("figures_words", "contract")
def figures_words(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-03: on every document that prints both, the amount in figures equals the amount in words."""
    outs = []
    for d in b.docs:
        for fig, words in (("total_amount", "total_amount_upper"), ("amount", "amount_upper")):
            f, w = d.get(fig), d.get(words)
            if not f.value or not w.value:
                continue
            wv = amount_words(w.value)
            obs = [f.observation(f"{_DOC_LABEL[d.type]} {fig}"), w.observation(f"{_DOC_LABEL[d.type]} {words}")]
            if wv is None:
                outs.append(review(f"{d.id}: the amount in words {w.value!r} could not be parsed", obs))
            elif wv != money(f.value):
                outs.append(failed(f"{d.id}: figures {f.value} but words {w.value} ({fmt(wv)})", obs))
            else:
                outs.append(passed(f"{d.id}: figures and words agree ({f.value})", obs))
    return worst(outs, passed("no document prints both figures and words"))


class SumsParams(Params):
    pass


@check("sums", "contract")
def sums(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-04: the invoices and the payments of a contract add up to its total (several of each are normal); a shortfall
    is a review, since the lowest amount is what counts."""
    c = b.contract
    if c is None:
        return review("no contract total to compare with", [])
    total = c.get("total_amount")
    tol = ctx.pack.amounts.tolerance
    if money(total.value) is None:
        return review("contract total not read", [total.observation("contract total")])
    outs = []
    for docs, key, what in ((b.invoices, "total_amount", "invoices"), (b.slips, "amount", "payments")):
        vals = [d.get(key) for d in docs]
        obs = [total.observation("contract total")] + [v.observation(f"{what[:-1]} {key}") for v in vals]
        if not vals:
            outs.append(review(f"no {what}", obs[:1]))
            continue
        if any(money(v.value) is None for v in vals):
            outs.append(review(f"an amount of the {what} was not read", obs))
            continue
        s = sum(money(v.value) for v in vals)
        obs.append(derived(f"sum of {what}", fmt(s)))
        if abs(s - money(total.value)) <= tol:
            outs.append(passed(f"{what} add up to the contract total {total.value}", obs))
        else:
            outs.append(review(f"{what} add up to {fmt(s)}, the contract total is {total.value}", obs))
    return worst(outs, review("nothing to add up", []))


@check("recognised_amount", "contract", late=True)
def recognised_amount(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-12: the recognised amount is the lowest of contract total, invoice total and payment total."""
    a = ctx.amounts[b.id]
    obs = [derived("contract total" if not ctx.pack.amounts.items else "eligible items", fmt(a.basis)),
           derived("counted invoices", fmt(a.invoice_counted)), derived("counted payments", fmt(a.paid_counted)),
           derived("recognised", fmt(a.recognised))]
    missing = [n for n, v in (("contract total", a.basis), ("invoice total", a.invoice_counted),
                              ("payment total", a.paid_counted)) if v is None]
    if missing:
        return review(f"{', '.join(missing)} not read; the recognised amount cannot be settled", obs)
    if a.excluded_by:
        return passed(f"lowest amount {fmt(min(a.basis, a.invoice_counted, a.paid_counted))}; the contract is "
                      f"excluded by {', '.join(a.excluded_by)}, so 0.00 is recognised", obs)
    return passed(f"recognised {fmt(a.recognised)} (lowest of the three)", obs)


class MinimumParams(Params):
    minimum: Decimal


@check("minimum_total", "submission", MinimumParams, late=True)
def minimum_total(ctx: Context, rule: Rule) -> Outcome:
    """BJ-13: the recognised amounts of the contracts add up to at least the minimum."""
    p: MinimumParams = rule.params
    obs = [derived(f"recognised {b.id}", fmt(ctx.amounts[b.id].recognised)) for b in ctx.bundles]
    obs.append(derived("recognised total", fmt(ctx.recognised_total)))
    if ctx.recognised_total >= p.minimum:
        return passed(f"recognised total {fmt(ctx.recognised_total)} >= {fmt(p.minimum)}", obs)
    return failed(f"recognised total {fmt(ctx.recognised_total)} is below {fmt(p.minimum)}", obs)


@check("subsidy", "submission", late=True)
def subsidy(ctx: Context, rule: Rule) -> Outcome:
    """BJ-14 / SZ-08: subsidy = min(rate x recognised total, cap)."""
    s = subsidy_of(ctx.pack, ctx.recognised_total)
    sp = ctx.pack.subsidy
    return passed(f"min({sp.rate * 100:.0f}% of {fmt(ctx.recognised_total)}, {fmt(sp.cap)}) = {fmt(s)} (0.00 if the "
                  f"submission is not eligible)", [derived("recognised total", fmt(ctx.recognised_total)),
                                                   derived("subsidy", fmt(s))])


# == evidence completeness and legibility =============================================================================


class ProofsParams(Params):
    required: list[DocType]


@check("proofs_complete", "contract", ProofsParams)
def proofs_complete(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-09: every contract has each of the required proofs."""
    p: ProofsParams = rule.params
    missing = [t for t in p.required if not b.of(t)]
    obs = [derived(f"{_DOC_LABEL[t]}s", ", ".join(d.id for d in b.of(t)) or None) for t in p.required]
    if missing:
        return failed(f"missing: {', '.join(_DOC_LABEL[t] for t in missing)}", obs)
    return passed("all proofs present", obs)


class LegibleParams(Params):
    min_ocr_confidence: float = 0.8
    required: dict[DocType, list[str]] = {}  # fields that must be read, per document type
    sealed: list[DocType] = [DocType.contract, DocType.acceptance]  # documents that must carry seals
    min_seal_confidence: float = 0.5


@check("legible", "contract", LegibleParams)
def legible(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-11: proofs legible (OCR confidence), key fields and signing dates read, seals present and readable."""
    p: LegibleParams = rule.params
    refs = _party_refs(b)
    party_names = [r[0].value for r in refs if r[0].value] if refs else []
    outs = []
    for d in b.docs:
        confs = [pg.ocr_confidence for pg in d.document.pages if pg.ocr_confidence is not None]
        if confs and min(confs) < p.min_ocr_confidence:
            outs.append(review(f"{d.id}: OCR confidence {min(confs):.2f} below {p.min_ocr_confidence}",
                               [derived(f"OCR confidence {d.id}", f"{min(confs):.2f}")],
                               evidence=[r for r in [d.page_region()] if r]))
        unread = [f for f in p.required.get(d.type, []) if not d[f]]
        if unread:
            outs.append(review(f"{d.id}: not read: {', '.join(unread)}", [d.get(f).observation(f) for f in unread],
                               evidence=[r for r in [d.page_region()] if r]))
        if d.type in p.sealed and _colourless(d) == FAX:
            outs.append(review(f"{d.id} is a fax or binarised copy: signatures and seals need the original",
                               [], evidence=[r for r in [d.page_region()] if r]))
        elif d.type in p.sealed:
            seals = [s for s in d.seals if s.type not in (SealType.bank, SealType.supervision)]
            if not seals and _colourless(d):
                outs.append(review(f"{d.id}: {_colourless(d)}, no seal found; the original is needed",
                                   [], evidence=[r for r in [d.page_region()] if r]))
            elif not seals:
                outs.append(failed(f"{d.id}: no seal", [], evidence=[r for r in [d.page_region()] if r]))
            elif all(s.confidence < p.min_seal_confidence or s.type_confidence < p.min_seal_confidence for s in seals) \
                    and not any(_match(s, n, SealParams()).status == "match" for s in seals for n in party_names):
                outs.append(review(f"{d.id}: seals present but not legible",
                                   [_seal_obs(d, s) for s in seals]))
    return worst(outs, passed("every proof legible, with its key fields, dates and seals"))


class StandingParams(Params):
    documents: list[str]  # what a reviewer needs to look at
    keywords: list[str] = []  # a document whose text names one of these is such a document


@check("standing_review", "submission", StandingParams)
def standing_review(ctx: Context, rule: Rule) -> Outcome:
    """BJ-15 / SZ-16: the sealed application volume is checked by a reviewer (per-page seals, 骑缝章, page numbers)."""
    p: StandingParams = rule.params
    found = [d for d in ctx.docs if any(k in d.text for k in p.keywords)] if p.keywords else []
    what = ", ".join(p.documents)
    if found:
        return review(f"check {what}: " + ", ".join(d.id for d in found), [],
                      evidence=[r for d in found for r in [d.page_region()] if r], standing=True)
    return review(f"{what}: not among the evidence checked here; a reviewer checks them", [], standing=True)


# == related parties and funding =====================================================================================


class LegalRepParams(Params):
    related_key: str = "related_party"


@check("legal_reps", "contract", LegalRepParams)
def legal_reps(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-07: the two parties do not share a legal representative; a parent/subsidiary relation is a reviewer's call."""
    p: LegalRepParams = rule.params
    c = b.contract
    if c is None:
        return review("no contract to read the legal representatives from", [])
    ra, rb = c.get("party_a_legal_rep"), c.get("party_b_legal_rep")
    obs = [ra.observation("party A legal representative"), rb.observation("party B legal representative")]
    if ra.value and rb.value and ra.value == rb.value:
        return failed(f"both parties have the legal representative {ra.value}", obs)
    if ctx.applicant.get(p.related_key):
        return review("the applicant declares a related party", obs + [decl(p.related_key, True)])
    if not ra.value or not rb.value:
        return review("a legal representative was not read", obs)
    return review(f"legal representatives differ ({ra.value}, {rb.value}); a parent/subsidiary or controlling "
                  f"relation cannot be excluded from the documents", obs, standing=True)


class FundedParams(Params):
    declared_key: str = "prior_municipal_funding"
    reference: str

    def references(self):
        return [self.reference]


@check("not_funded_before", "contract", FundedParams)
def not_funded_before(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """BJ-08: the contract and its invoices are not among the projects funded before (reference list)."""
    p: FundedParams = rule.params
    projects = ctx.ref(p.reference).get("projects", [])
    numbers = {n: pr for pr in projects for n in pr.get("contract_numbers", [])}
    invoices = {n: pr for pr in projects for n in pr.get("invoice_numbers", [])}
    outs = []
    cn = b.contract.get("contract_number") if b.contract else None
    if cn is not None and cn.value in numbers:
        pr = numbers[cn.value]
        outs.append(failed(f"contract {cn.value} was funded by {pr.get('fund')} ({pr.get('approved')})",
                           [cn.observation("contract number"), ref_obs(p.reference, pr.get("project"))]))
    for d in b.invoices:
        v = d.get("invoice_number")
        if v.value in invoices:
            pr = invoices[v.value]
            outs.append(failed(f"invoice {v.value} was funded by {pr.get('fund')} ({pr.get('approved')})",
                               [v.observation("invoice number"), ref_obs(p.reference, pr.get("project"))]))
    if ctx.applicant.get(p.declared_key):
        outs.append(review("the applicant declares earlier municipal funding", [decl(p.declared_key, True)]))
    return worst(outs, passed("not on the list of funded projects", [decl(p.declared_key,
                                                                          ctx.applicant.get(p.declared_key))]))


class DuplicateParams(Params):
    reference: str | None = None  # a list of funded projects whose contract and invoice numbers count as used

    def references(self):
        return [self.reference] if self.reference else []


@check("duplicates", "contract", DuplicateParams)
def duplicates(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-06: an invoice number, bank serial or contract number that appears in an earlier contract of the submission
    (or in the funded-projects list) counts for the first contract only."""
    p: DuplicateParams = rule.params
    ledger = ctx.ledgers[b.id]
    earlier = ctx.bundles[:ctx.bundles.index(b)]
    outs = []
    keys = ((DocType.invoice, "invoice_number", "invoice"), (DocType.bank_slip, "serial_number", "bank serial"),
            (DocType.contract, "contract_number", "contract number"))
    for doc_type, key, what in keys:
        for d in b.of(doc_type):
            v = d.get(key)
            if not v.value:
                continue
            first = next((e for e in earlier for o in e.of(doc_type) if o[key] == v.value), None)
            if first is not None:
                other = next(o for o in first.of(doc_type) if o[key] == v.value)
                outs.append(failed(f"{what} {v.value} ({d.id}) is already in contract {first.id} ({other.id})",
                                   [v.observation(what), other.get(key).observation(f"{what} in {first.id}")]))
                if doc_type == DocType.invoice:
                    ledger.drop_invoice(d, rule.id)
                elif doc_type == DocType.bank_slip:
                    ledger.drop_payment(d, rule.id)
    if p.reference:
        for pr in ctx.ref(p.reference).get("projects", []):
            for doc_type, key, listed in ((DocType.invoice, "invoice_number", "invoice_numbers"),
                                          (DocType.contract, "contract_number", "contract_numbers")):
                for d in b.of(doc_type):
                    v = d.get(key)
                    if v.value and v.value in pr.get(listed, []):
                        outs.append(failed(f"{key.replace('_', ' ')} {v.value} was used before: {pr.get('project')} "
                                           f"({pr.get('enterprise')}, {pr.get('approved')})",
                                           [v.observation(key), ref_obs(p.reference, pr.get("project"))]))
                        if doc_type == DocType.invoice:
                            ledger.drop_invoice(d, rule.id)
    return worst(outs, passed("no invoice, payment or contract number used twice"))


class FormatParams(Params):
    electronic_number_digits: int = 20
    paper_number_digits: int = 8
    paper_code_digits: list[int] = [10, 12]


_ELECTRONIC_KINDS = ("digital_special", "digital_normal")


@check("invoice_format", "contract", FormatParams)
def invoice_format(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """X-07: invoice code and number formats fit the invoice kind (数电票: 20-digit number; others: 10/12-digit code
    and 8-digit number)."""
    p: FormatParams = rule.params
    outs = []
    for d in b.invoices:
        kind = d["invoice_kind"]
        num, code = d.get("invoice_number"), d.get("invoice_code")
        raw_number = (d.document.fields and next((f.raw for f in d.document.fields if f.name == "invoice_number"),
                                                 None)) or num.value
        digits = re.sub(r"\D", "", raw_number or "")
        obs = [num.observation("invoice number"), code.observation("invoice code"), derived("invoice kind", kind)]
        if not digits:
            outs.append(review(f"{d.id}: invoice number not read", obs))
            continue
        if kind in _ELECTRONIC_KINDS or (kind is None and not code.value):
            ok = len(digits) == p.electronic_number_digits
            want = f"{p.electronic_number_digits} digits"
        else:
            cd = re.sub(r"\D", "", code.value or "")
            ok = len(digits) == p.paper_number_digits and len(cd) in p.paper_code_digits
            want = f"{p.paper_number_digits}-digit number and a {'/'.join(map(str, p.paper_code_digits))}-digit code"
        if ok:
            outs.append(passed(f"{d.id}: {kind or 'invoice'} number format valid", obs))
        else:
            outs.append(failed(f"{d.id}: {kind or 'invoice'} number {raw_number!r} has {len(digits)} digits; "
                               f"expected {want}", obs))
    return worst(outs, passed("no invoice"))


# == Shenzhen: catalogue, items, payments =============================================================================


class CatalogueParams(Params):
    reference: str

    def references(self):
        return [self.reference]


@check("catalogue", "contract", CatalogueParams)
def catalogue(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-03: the provider and every product are on the catalogue; the contract names product, product id and price;
    the price is not above the registered price."""
    p: CatalogueParams = rule.params
    c = b.contract
    if c is None:
        return review("no contract", [])
    providers = ctx.ref(p.reference).get("providers", [])
    bn, bt = c.get("party_b_name"), c.get("party_b_tax_id")
    prov = _listed(providers, bn.value, bt.value)
    if prov is None:
        return failed(f"provider {bn.value!r} is not on the catalogue", [bn.observation("provider"),
                                                                           bt.observation("provider tax id")])
    products = {x["product_id"]: x for x in prov.get("products", [])}
    if not c.items:
        return review("the contract's item table was not read; products and prices unchecked",
                      [bn.observation("provider")])
    outs = []
    for i in range(len(c.items)):
        pid, price, name = (c.item_value(i, k) for k in ("product_id", "unit_price", "name"))
        obs = [name.observation("product"), pid.observation("product id"), price.observation("unit price")]
        if not pid.value:
            outs.append((review if c.ocr else failed)(f"item {i + 1} ({name.value}) names no product id", obs))
            continue
        listed = products.get(pid.value)
        if listed is None:
            outs.append(failed(f"product {pid.value} is not listed for {prov['name']}", obs))
            continue
        obs.append(ref_obs(f"registered price of {pid.value}", listed.get("registered_price")))
        if money(price.value) is None:
            outs.append(review(f"unit price of {pid.value} not read", obs))
        elif money(price.value) > money(listed.get("registered_price")):
            outs.append(failed(f"{pid.value} at {price.value} is above its registered price "
                               f"{listed.get('registered_price')}", obs))
        else:
            outs.append(passed(f"{pid.value} listed, price within the registered price", obs))
    return worst(outs, review("no item lines", []))


class UsageEndParams(Params):
    usage_end: dt.date


@check("usage_end", "contract", UsageEndParams)
def usage_end(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-04: a prepaid subscription counts up to ``usage_end``; the part beyond is removed pro rata by days (both ends
    of the printed period included)."""
    p: UsageEndParams = rule.params
    c = b.contract
    items = contract_items(b)
    if c is None:
        return review("no contract", [])
    if items is None:
        end = parse_date(c["service_period_end"])
        if end and end > p.usage_end:
            return review(f"service period ends {end}, after {p.usage_end}; the item table was not read, so the "
                          f"part to remove is not known", [c.get("service_period_end").observation("service end")])
        return passed("no item runs past the cut-off", [])
    outs = []
    for i, it in enumerate(items):
        s, e = parse_date(c.item_value(i, "period_start").value), parse_date(c.item_value(i, "period_end").value)
        if e is None or e <= p.usage_end:
            continue
        obs = [c.item_value(i, k).observation(k) for k in ("name", "period_start", "period_end", "amount")]
        if s is None:
            outs.append(review(f"item {i + 1} runs to {e}; its start was not read", obs))
            continue
        days = (e - s).days + 1
        kept = max(0, (p.usage_end - s).days + 1)
        it.counted = (it.printed * kept / days).quantize(CENT, rounding=ROUND_HALF_UP)
        obs.append(derived("counted", f"{fmt(it.counted)} ({kept}/{days} days)"))
        outs.append(failed(f"item {i + 1} runs {s}..{e}; {days - kept} days after {p.usage_end} are not counted: "
                           f"{fmt(it.counted)} of {fmt(it.printed)}", obs))
    ctx.ledgers[b.id].items = items
    return worst(outs, passed(f"no item runs past {p.usage_end}"))


class ServiceCapParams(Params):
    ratio: Decimal = Decimal("1")


@check("service_cap", "contract", ServiceCapParams)
def service_cap(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-09: the implementation-service fee counts up to ``ratio`` x the software fee."""
    p: ServiceCapParams = rule.params
    ledger = ctx.ledgers[b.id]
    ledger.service_ratio = p.ratio
    c = b.contract
    if c is None:
        return review("no contract", [])
    items = ledger.items if ledger.items is not None else contract_items(b)
    if items is not None:
        sw = sum((it.counted for it in items if it.kind == "software"), Decimal("0.00"))
        sv = sum((it.counted for it in items if it.kind == "service"), Decimal("0.00"))
        obs = [derived("software items", fmt(sw)), derived("service items", fmt(sv))]
        if c.items:  # point at the item lines the sums come from
            obs += [c.item_value(i, "amount").observation(f"{c.item_value(i, 'kind').value} item: "
                                                         f"{c.item_value(i, 'name').value}")
                    for i in range(len(c.items)) if c.item_value(i, "kind").value in ("software", "service")]
    else:
        sw, sv = money(c["software_amount"]), money(c["service_amount"])
        obs = [c.get("software_amount").observation("software fee"), c.get("service_amount").observation("service fee")]
        if sv is None:
            return passed("no implementation-service fee stated", obs)
        if sw is None:
            return review("service fee stated, software fee not read", obs)
    if sv > sw * p.ratio:
        return failed(f"service fee {fmt(sv)} is above {p.ratio} x software fee {fmt(sw)}; "
                      f"{fmt(sv - sw * p.ratio)} is not counted", obs)
    return passed(f"service fee {fmt(sv)} within {p.ratio} x software fee {fmt(sw)}", obs)


class TaxRateParams(Params):
    rates: dict[str, list[str]]  # kind -> accepted rates
    kinds: dict[str, str]  # kind -> regex on the item name (the *category* of a 数电票 item first); first match wins


@check("tax_rates", "contract", TaxRateParams)
def tax_rates(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-10: every invoice item's tax rate fits its kind (hardware, software, service)."""
    p: TaxRateParams = rule.params
    outs = []
    for d in b.invoices:
        if not d.items:
            outs.append(review(f"{d.id}: the invoice's item lines were not read", []))
            continue
        for i in range(len(d.items)):
            name, rate = d.item_value(i, "name"), d.item_value(i, "tax_rate")
            text = name.value or ""
            cat = re.match(r"^\*([^*]+)\*", text)
            kind = next((k for k, rx in p.kinds.items() if cat and re.search(rx, cat.group(1))), None) or \
                next((k for k, rx in p.kinds.items() if re.search(rx, text)), None)
            obs = [name.observation("item"), rate.observation("tax rate")]
            if kind is None or rate.value is None:
                continue  # unknown kind or a rate printed as *: nothing to hold it against
            if rate.value not in p.rates.get(kind, []):
                outs.append(failed(f"{d.id}: {text} ({kind}) taxed at {rate.value}; expected "
                                   f"{'/'.join(p.rates[kind])}", obs))
            else:
                outs.append(passed(f"{d.id}: {kind} at {rate.value}", obs))
    return worst(outs, passed("no invoice items to check"))


@check("payee_account", "contract")
def payee_account(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-12: every payment goes to party B's account named in the contract; other payments are not counted."""
    c = b.contract
    acct = c.get("party_b_bank_account") if c else None
    if acct is None or not acct.value:
        return review("party B's bank account not read from the contract", [acct.observation("contract account")]
                      if acct else [])
    outs = []
    for d in b.slips:
        v = d.get("payee_account")
        obs = [v.observation("payee account"), acct.observation("party B account (contract)")]
        if not v.value:
            outs.append(review(f"{d.id}: payee account not read", obs))
        elif v.value != acct.value:
            ctx.ledgers[b.id].drop_payment(d, rule.id)
            outs.append(failed(f"{d.id}: paid to {v.value}, not to party B's account {acct.value}; not counted", obs))
        else:
            outs.append(passed(f"{d.id}: paid to party B's account", obs))
    return worst(outs, passed("no payment"))


class KeywordParams(Params):
    keywords: list[str]


@check("acceptance_bills", "contract", KeywordParams)
def acceptance_bills(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-13: payments by bank acceptance bill need their endorsement and receipt checked by a reviewer."""
    p: KeywordParams = rule.params
    hits = [d for d in b.slips + b.vouchers if any(k in d.text for k in p.keywords)]
    if hits:
        return review(f"payment by bank acceptance bill: {', '.join(d.id for d in hits)}; check the receipt date, "
                      f"endorsement and receipt", [], evidence=[r for d in hits for r in [d.page_region()] if r])
    return passed("no payment by bank acceptance bill")


class CopyParams(Params):
    not_accepted: list[str] = ["deduction_copy"]
    paper_kinds: list[str] = ["vat_special", "vat_normal"]


@check("invoice_copy", "contract", CopyParams)
def invoice_copy(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-14: paper invoices are the 发票联; a 抵扣联 is not accepted (and not counted)."""
    p: CopyParams = rule.params
    outs = []
    for d in b.invoices:
        v = d.get("copy_type")
        obs = [v.observation("copy type"), derived("invoice kind", d["invoice_kind"])]
        if v.value in p.not_accepted:
            ctx.ledgers[b.id].drop_invoice(d, rule.id)
            outs.append(failed(f"{d.id} is the {v.value.replace('_', ' ')}; not accepted, not counted", obs,
                               evidence=[r for r in [v.region or d.page_region()] if r]))
        elif v.value is None and d["invoice_kind"] in p.paper_kinds:
            outs.append(review(f"{d.id}: paper invoice whose copy (联) was not read", obs))
        else:
            outs.append(passed(f"{d.id}: {v.value or 'electronic invoice'}", obs))
    return worst(outs, passed("no invoice"))


class RelatedParams(Params):
    related_key: str = "related_party"
    keywords: list[str] = ["关联交易", "关联方"]


@check("related_party", "contract", RelatedParams)
def related_party(ctx: Context, rule: Rule, b: Bundle) -> Outcome:
    """SZ-15: a related-party transaction needs its explanation of reason and fair price checked by a reviewer."""
    p: RelatedParams = rule.params
    hits = [d for d in b.docs if any(k in d.text for k in p.keywords)]
    if ctx.applicant.get(p.related_key) or hits:
        return review("related-party transaction: check the explanation of reason and fair price",
                      [decl(p.related_key, ctx.applicant.get(p.related_key))],
                      evidence=[r for d in hits for r in [d.page_region()] if r])
    return passed("no related party declared or named", [decl(p.related_key, ctx.applicant.get(p.related_key))])


class LetterParams(Params):
    electronic_kinds: list[str] = ["digital_special", "digital_normal", "vat_e_special", "vat_e_normal"]
    keywords: list[str]


@check("commitment_letter", "submission", LetterParams)
def commitment_letter(ctx: Context, rule: Rule) -> Outcome:
    """SZ-17: electronic invoices come with the signed usage commitment letter."""
    p: LetterParams = rule.params
    e_invoices = [d for d in ctx.docs if d.type == DocType.invoice and d["invoice_kind"] in p.electronic_kinds]
    if not e_invoices:
        return passed("no electronic invoice")
    letters = [d for d in ctx.docs if d.type not in (DocType.invoice, DocType.contract)
               and any(k in d.text for k in p.keywords)]
    obs = [derived("electronic invoices", ", ".join(d.id for d in e_invoices))]
    if letters:
        return passed(f"commitment letter: {', '.join(d.id for d in letters)}", obs,
                      evidence=[r for d in letters for r in [d.page_region()] if r])
    return failed(f"{len(e_invoices)} electronic invoice(s) but no commitment letter ({' / '.join(p.keywords)})", obs)
