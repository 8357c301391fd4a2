"""The rules engine on hand-built documents: no OCR, every outcome derived by hand from the guide's rules."""

from decimal import Decimal

import pytest

from pipeline.rules import Intake, RuleEngine, load_pack
from pipeline.types import (
    BBox, DocType, Document, Field, Page, PageKind, Provenance, Region, Seal, SealShape, SealType,
)

P = Provenance(stage="test")
A_NAME, A_TAX = "北京市鼎瀚精密机械有限公司", "91110108512470647T"
B_NAME, B_TAX = "杭州市明帆信息技术股份有限公司", "91330106MA2CB7MW0A"


def page(file_id, kind=PageKind.digital, seals=(), colour="colour"):
    return Page(file_id=file_id, index=0, width=1654, height=2339, dpi=200, kind=kind, seals=tuple(seals),
                colour=colour, provenance=P)


def seal(owner, type_=SealType.official, conf=0.9):
    return Seal(type=type_, shape=SealShape.round, owner=owner, bbox=BBox(x0=100, y0=100, x1=400, y1=400), page=0,
                confidence=0.95, type_confidence=conf, owner_confidence=0.9, provenance=P)


def doc(file_id, doc_type, fields, seals=(), kind=PageKind.digital, colour="colour", items=()):
    fs = [Field(name=k, value=v, confidence=0.99, region=Region(file_id=file_id, page=0,
                                                               bbox=BBox(x0=10, y0=10, x1=200, y1=40)), provenance=P)
          for k, v in fields.items()]
    for i, it in enumerate(items):
        fs += [Field(name=f"items.{i}.{k}", value=v, confidence=0.99, provenance=P) for k, v in it.items()]
    return Document(id=file_id, doc_type=doc_type, file_id=file_id, pages=(page(file_id, kind, seals, colour),),
                    fields=tuple(fs), provenance=P)


def beijing_contract(cid="C1", number="HT202402-0001", total="1200000.00", sign="2024-02-01", accept="2024-05-20",
                     acceptance_seals=None, rep_b="李四", slips=("600000.00", "600000.00"), payer=A_NAME):
    acceptance_seals = acceptance_seals if acceptance_seals is not None else [seal(A_NAME), seal(B_NAME)]
    docs = [
        doc(f"{cid}/contract.pdf", DocType.contract, {
            "contract_number": number, "party_a_name": A_NAME, "party_b_name": B_NAME, "party_a_tax_id": A_TAX,
            "party_b_tax_id": B_TAX, "party_a_legal_rep": "张三", "party_b_legal_rep": rep_b, "sign_date": sign,
            "total_amount": total, "total_amount_upper": None, "subject": "制造执行系统建设项目"},
            seals=[seal(A_NAME), seal(B_NAME)]),
        doc(f"{cid}/invoice.pdf", DocType.invoice, {
            "invoice_number": f"2411200000{number[-4:]}000000", "invoice_kind": "digital_special",
            "issue_date": sign, "buyer_name": A_NAME, "buyer_tax_id": A_TAX, "seller_name": B_NAME,
            "seller_tax_id": B_TAX, "total_amount": total}),
        doc(f"{cid}/acceptance.jpg", DocType.acceptance, {
            "party_a_name": A_NAME, "party_b_name": B_NAME, "acceptance_date": accept, "contract_number": number},
            seals=acceptance_seals, kind=PageKind.scanned),
        doc(f"{cid}/voucher.pdf", DocType.voucher, {"voucher_number": "记-1", "voucher_date": sign,
                                                    "summary": f"支付{number}合同款"}),
    ]
    for k, amount in enumerate(slips):
        docs.append(doc(f"{cid}/slip_{k}.pdf", DocType.bank_slip, {
            "payer_name": payer, "payee_name": B_NAME, "amount": amount, "transaction_date": accept,
            "serial_number": f"35036202747{number[-4:]}{k}", "payee_account": "6222000011112222",
            "purpose": f"{number}付款"}))
    return docs


APPLICANT_BJ = {"name": A_NAME, "tax_id": A_TAX, "registered_region": "北京市丰台区", "independent_legal_person": True,
                "serious_dishonesty": False, "srdi_status": "专精特新中小企业", "industry_code": "C3484",
                "prior_municipal_funding": False, "related_party": False, "submitted_at": "2024-07-26T10:18:00+08:00"}


@pytest.fixture(scope="module")
def beijing(tmp_path_factory):
    ref = tmp_path_factory.mktemp("ref")
    (ref / "beijing-2024-srdi-enterprises.json").write_text(
        '{"enterprises": [{"name": "%s", "tax_id": "%s", "status": "专精特新中小企业", "valid_from": "2023-01-01", '
        '"valid_until": "2026-12-31"}]}' % (A_NAME, A_TAX), encoding="utf-8")
    (ref / "beijing-2024-funded-projects.json").write_text(
        '{"projects": [{"enterprise": "x", "fund": "f", "approved": "2023-11-20", "project": "p", '
        '"contract_numbers": ["HT202309-9999"], "invoice_numbers": []}]}', encoding="utf-8")
    return RuleEngine(load_pack("beijing-2024", ref))


def outcome(findings, rule_id, contract=None):
    return next(f for f in findings if f.rule_id == rule_id and f.contract == contract)


def intake(contract_docs):
    contracts = [{"id": cid, "files": [d.file_id for d in docs]} for cid, docs in contract_docs.items()]
    return Intake(programme="beijing-2024", applicant=APPLICANT_BJ, contracts=contracts)


def test_clean_submission_is_eligible_and_every_rule_is_evaluated(beijing):
    docs = beijing_contract()
    findings, a, seconds = beijing.assess(docs, intake({"C1": docs}))
    assert a.verdict == "eligible", a.reasons
    assert a.recognised_total == "1200000.00" and a.subsidy == "240000.00"
    assert {f.rule_id for f in findings} == {r.id for r in beijing.pack.rules}
    assert [f.rule_id for f in findings if f.status == "fail"] == []
    assert {f.rule_id for f in findings if f.status == "review"} == {"BJ-04", "BJ-07", "BJ-15"}
    assert all(f.standing for f in findings if f.status == "review")


def test_finance_seal_on_acceptance_fails_bj10_and_excludes_the_contract(beijing):
    c1 = beijing_contract("C1", "HT202402-0001", "1200000.00")
    c2 = beijing_contract("C2", "HT202403-0002", "300000.00", acceptance_seals=[seal(A_NAME, SealType.finance),
                                                                                seal(B_NAME)])
    findings, a, _ = beijing.assess(c1 + c2, intake({"C1": c1, "C2": c2}))
    f = outcome(findings, "BJ-10", "C2")
    assert f.status == "fail" and "财务专用章" in f.message
    assert any(o.field == "seals" and o.region is not None for o in f.observations)  # points at the seal
    assert outcome(findings, "BJ-10", "C1").status == "pass"
    c2a = next(c for c in a.contracts if c.id == "C2")
    assert c2a.excluded_by == ("BJ-10",) and c2a.recognised == "0.00" and c2a.verdict == "not_eligible"
    assert a.recognised_total == "1200000.00" and a.verdict == "needs_review" and a.subsidy == "240000.00"


def test_another_companys_seal_fails_bj10_and_x02_and_a_sister_by_text_alone_is_a_review(beijing):
    docs = beijing_contract(acceptance_seals=[seal(A_NAME), seal("上海市云启数据服务有限公司")])
    findings, a, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-10", "C1").status == "fail"
    x02 = outcome(findings, "X-02", "C1")
    assert x02.status == "fail" and x02.threshold == 85.0 and x02.score < 70
    # one contract excluded -> below the 1,000,000 minimum -> not eligible
    assert outcome(findings, "BJ-13").status == "fail" and a.verdict == "not_eligible" and a.subsidy == "0.00"
    # a sister company (same trade name, other industry words) read as text only: four characters off could be a
    # misread arc, so a reviewer decides; with the arc's lattice it is decided (next test)
    docs = beijing_contract(acceptance_seals=[seal(A_NAME), seal("杭州市明帆智能装备股份有限公司")])
    findings, a, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-10", "C1").status == "review" and outcome(findings, "X-02", "C1").status == "review"


def test_fax_copy_without_seals_is_a_review_not_a_fail(beijing):
    docs = beijing_contract(acceptance_seals=[])
    fax = [d.model_copy(update={"pages": tuple(p.model_copy(update={"colour": "bilevel"}) for p in d.pages)})
           if d.doc_type == DocType.acceptance else d for d in docs]
    findings, _, _ = beijing.assess(fax, intake({"C1": fax}))
    assert outcome(findings, "BJ-10", "C1").status == "review"
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-10", "C1").status == "fail"  # a colour scan without seals: there are none


def test_payments_short_of_the_contract_set_the_recognised_amount_and_x04_is_a_review(beijing):
    docs = beijing_contract(slips=("600000.00", "500000.00"))
    findings, a, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "X-04", "C1").status == "review"
    assert a.contracts[0].paid_total_counted == "1100000.00" and a.recognised_total == "1100000.00"
    assert a.verdict == "needs_review"


def test_payer_one_character_off_on_a_digital_slip_fails_x01(beijing):
    docs = beijing_contract(payer=A_NAME.replace("鼎瀚", "鼎翰"))
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    f = outcome(findings, "X-01", "C1")
    assert f.status == "fail" and 85 < f.score < 100
    values = {o.value for o in f.observations}
    assert A_NAME in values and A_NAME.replace("鼎瀚", "鼎翰") in values  # both sides of the comparison


def test_same_legal_rep_fails_bj07(beijing):
    docs = beijing_contract(rep_b="张三")
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-07", "C1").status == "fail"


def test_missing_voucher_fails_bj09(beijing):
    docs = [d for d in beijing_contract() if d.doc_type != DocType.voucher]
    findings, a, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-09", "C1").status == "fail" and "voucher" in outcome(findings, "BJ-09", "C1").message
    assert a.verdict == "not_eligible"


def test_declared_facts_fail_at_submission_level(beijing):
    docs = beijing_contract()
    late = intake({"C1": docs}).model_copy(update={"applicant": {**APPLICANT_BJ,
                                                                 "submitted_at": "2024-08-02T09:00:00+08:00",
                                                                 "industry_code": "I6510"}})
    findings, a, _ = beijing.assess(docs, late)
    assert outcome(findings, "BJ-16").status == "fail" and outcome(findings, "BJ-03").status == "fail"
    assert a.verdict == "not_eligible" and a.recognised_total == "1200000.00" and a.subsidy == "0.00"


def test_contract_in_the_funded_register_fails_bj08_and_x06(beijing):
    docs = beijing_contract(number="HT202309-9999")
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-08", "C1").status == "fail" and outcome(findings, "X-06", "C1").status == "fail"


def test_grouping_without_manifest_uses_contract_numbers(beijing):
    c1 = beijing_contract("C1", "HT202402-0001", "1200000.00", sign="2024-02-01")
    c2 = beijing_contract("C2", "HT202403-0002", "300000.00", sign="2024-03-01")
    flat = Intake(programme="beijing-2024", applicant=APPLICANT_BJ)
    findings, a, _ = beijing.assess(c2 + c1, flat)
    got = {c.contract_number: set(c.documents) for c in a.contracts}
    assert got == {"HT202402-0001": {d.id for d in c1}, "HT202403-0002": {d.id for d in c2}}
    assert all(c.grouping == "auto" and c.grouping_confidence < 1 for c in a.contracts)
    assert a.recognised_total == "1500000.00"


def test_rules_take_milliseconds_for_ten_contracts(beijing):
    docs, groups = [], {}
    for k in range(10):
        c = beijing_contract(f"C{k + 1}", f"HT20240{k % 9 + 1}-00{k:02d}", "150000.00", slips=("150000.00",))
        docs += c
        groups[f"C{k + 1}"] = c
    findings, a, seconds = beijing.assess(docs, intake(groups))
    assert a.recognised_total == "1500000.00" and a.verdict == "eligible"
    per_contract = sum(r.scope == "contract" for r in beijing.pack.rules)
    assert per_contract == 16 and len(findings) == 7 + 16 * 10  # each contract-scoped rule once per contract
    # the timing target (<= 50 ms) is measured by scripts/bench_rules.py, not asserted here


def _lattice(printed: str, misread: dict[int, str] | None = None):
    """A lattice as the recogniser would leave it on a seal's arc: each printed character at 0.9, or, where misread,
    the wrong character at 0.6 and the printed one at 0.1."""
    steps = []
    for i, ch in enumerate(printed):
        if misread and i in misread:
            steps.append((0.3, ((misread[i], 0.6), (ch, 0.1))))
        else:
            steps.append((0.1, ((ch, 0.9),)))
        steps.append((1.0, ()))
    return tuple(steps)


def _stretch_over(printed: str, start: int, stretch) -> tuple:
    """The lattice of ``printed`` (:func:`_lattice`) with the steps of its characters from ``start`` on replaced by
    ``stretch``, one step per character."""
    steps = list(_lattice(printed))
    for i, step in enumerate(stretch, start):
        steps[2 * i] = step
    return tuple(steps)


def test_a_misread_seal_owner_is_verified_on_its_lattice_but_a_sister_company_is_not(beijing):
    misread = seal("北京市鼎翰精窑机械有眼公司")  # three characters misread along the arc
    misread = misread.model_copy(update={"owner_lattice": _lattice(A_NAME, {4: "翰", 7: "窑", 10: "眼"})})
    docs = beijing_contract(acceptance_seals=[misread, seal(B_NAME)])
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-10", "C1").status == "pass"
    assert outcome(findings, "X-02", "C1").status == "pass" and "seen on the arc" in outcome(
        findings, "X-02", "C1").message
    sister_name = "北京市鼎瀚智能装备有限公司"
    sister = seal(sister_name).model_copy(update={"owner_lattice": _lattice(sister_name)})
    docs = beijing_contract(acceptance_seals=[sister, seal(B_NAME)])
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
    assert outcome(findings, "BJ-10", "C1").status == "fail" and outcome(findings, "X-02", "C1").status == "fail"


def test_on_a_fax_copy_a_seal_read_as_another_owner_or_type_is_a_review(beijing):
    docs = beijing_contract(acceptance_seals=[seal("上海市云启数据服务有限公司"), seal(B_NAME, SealType.finance)])
    fax = [d.model_copy(update={"pages": tuple(p.model_copy(update={"colour": "bilevel"}) for p in d.pages)})
           if d.doc_type == DocType.acceptance else d for d in docs]
    findings, _, _ = beijing.assess(fax, intake({"C1": fax}))
    assert outcome(findings, "BJ-10", "C1").status == "review" and outcome(findings, "X-02", "C1").status == "review"
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))  # the same on a colour scan: both fail
    assert outcome(findings, "BJ-10", "C1").status == "fail" and outcome(findings, "X-02", "C1").status == "fail"


def test_a_faint_stretch_of_the_own_seal_is_a_review_but_other_words_there_fail(beijing):
    # 4 of the 13 characters not seen at all: a log-ratio as low as another company's (below -2.75) either way; what
    # tells them apart is what stands there: blank steps and a weak guess (a faint stretch, or one under black print)
    # are no evidence against the name, other characters read with confidence are
    def arc(stretch):
        return _stretch_over(A_NAME, 3, stretch)

    faint = seal("北京市机械有限公司").model_copy(update={"owner_lattice": arc([(0.95, (("丨", 0.04),))] * 4)})
    other = seal("北京市云启数据机械有限公司").model_copy(update={"owner_lattice": arc(
        [(0.1, ((ch, 0.9),)) for ch in "云启数据"])})
    for s, status in ((faint, "review"), (other, "fail")):
        docs = beijing_contract(acceptance_seals=[s, seal(B_NAME)])
        findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
        x02 = outcome(findings, "X-02", "C1")
        assert x02.status == status and "log-ratio -2.8" in x02.message, x02.message


def test_a_mostly_unread_stretch_with_a_confident_character_or_two_is_a_review(beijing):
    # 6 of the 13 characters not seen: 4 blank, 2 read as others with confidence (a recogniser trained on names
    # guesses name-like characters where it cannot read); half of the unseen read as others is needed for a fail
    def arc(stretch):
        return _stretch_over(A_NAME, 3, stretch)

    blank, guess = (0.95, (("丨", 0.04),)), (lambda ch: (0.1, ((ch, 0.9),)))
    for stretch, status, unseen, others in (([guess("械"), blank, blank, blank, blank, guess("市")], "review", 6, 2),
                                            ([guess("械"), guess("云"), blank, blank, blank, guess("市")], "fail", 6, 3)):
        s = seal("北京市械市有限公司").model_copy(update={"owner_lattice": arc(stretch)})
        docs = beijing_contract(acceptance_seals=[s, seal(B_NAME)])
        findings, _, _ = beijing.assess(docs, intake({"C1": docs}))
        x02 = outcome(findings, "X-02", "C1")
        assert x02.status == status and f"{unseen} characters not seen, {others} of them" in x02.message, x02.message


def test_on_a_fax_copy_even_the_partys_own_seal_read_exactly_is_a_review(beijing):
    docs = beijing_contract(acceptance_seals=[seal(A_NAME), seal(B_NAME)])
    fax = [d.model_copy(update={"pages": tuple(p.model_copy(update={"colour": "bilevel"}) for p in d.pages)})
           if d.doc_type == DocType.acceptance else d for d in docs]
    findings, _, _ = beijing.assess(fax, intake({"C1": fax}))
    for rule in ("BJ-10", "X-02"):
        assert outcome(findings, rule, "C1").status == "review"
        assert "fax or binarised copy" in outcome(findings, rule, "C1").message
    # an extra seal whose owner cannot be read is one more review there, not passed as "every party's seal is
    # verified there" (nothing is, on a fax)
    docs = beijing_contract(acceptance_seals=[seal(A_NAME), seal(B_NAME), seal("北京市")])
    extra = [d.model_copy(update={"pages": tuple(p.model_copy(update={"colour": "bilevel"}) for p in d.pages)})
             if d.doc_type == DocType.acceptance else d for d in docs]
    findings, _, _ = beijing.assess(extra, intake({"C1": extra}))
    x02 = outcome(findings, "X-02", "C1")
    assert x02.status == "review" and "not legible enough" in x02.message, x02.message
    docs = beijing_contract(acceptance_seals=[seal(A_NAME), seal(B_NAME)])
    findings, _, _ = beijing.assess(docs, intake({"C1": docs}))  # the same seals on a colour scan pass
    assert outcome(findings, "BJ-10", "C1").status == "pass" and outcome(findings, "X-02", "C1").status == "pass"
