"""End to end on the demo submission (scripts/make_demo.py): every input form, real models, one coherent Beijing 2024
submission (parties, amounts, dates and seals agree), and failures isolated per file."""

import json
import shutil
from decimal import Decimal

import pymupdf
import pytest
from rapidfuzz import fuzz

from pipeline.cli import main
from pipeline.rules.intake import MANIFEST_NAME, load_intake
from pipeline.run import Pipeline, assess
from pipeline.types import DocType, FindingStatus, PageKind, Report, SealType, Verdict

from tests.conftest import DEMO

PARTY_A, TAX_ID_A = "北京精工智能制造有限公司", "91110108MA01ABCD5T"
PARTY_B, TAX_ID_B = "北京智造云科技有限公司", "91110105MA00EFGH5K"
CONTRACT_NUMBER = "BJZZ-2024-0318"
SLIPS = ("04_银行回单.zip/银行回单/工商银行电子回单_20240314.png", "04_银行回单.zip/银行回单/工商银行电子回单_20240702.png")


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline()


@pytest.fixture(scope="module")
def report(pipeline):
    return pipeline.analyze([DEMO], exclude=(MANIFEST_NAME,))


def _doc(report, suffix):
    (doc,) = [d for d in report.submission.documents if d.id.endswith(suffix)]
    return doc


def _fields(doc):
    return {f.name: f.value for f in doc.fields}


def _owned_by(seal, party):
    return seal.owner is not None and fuzz.partial_ratio(seal.owner, party) >= 80


def _official_seals_of_both_parties(seals):
    official = [s for s in seals if s.type == SealType.official]
    assert any(_owned_by(s, PARTY_A) for s in official), [(s.type, s.owner) for s in seals]
    assert any(_owned_by(s, PARTY_B) for s in official), [(s.type, s.owner) for s in seals]


def test_every_demo_file_becomes_a_document(report):
    assert report.errors == ()
    assert len(report.submission.documents) == 7
    assert {f.media_type for f in report.submission.files} == {"application/pdf", "image/jpeg", "application/ofd", "image/png"}
    assert sorted(d.doc_type for d in report.submission.documents) == sorted(
        [DocType.contract, DocType.acceptance, DocType.invoice, DocType.bank_slip, DocType.bank_slip, DocType.voucher,
         DocType.voucher])


def test_digital_contract_is_read_from_its_text_layer_without_ocr(report):
    doc = _doc(report, "01_技术服务合同.pdf")
    assert [p.kind for p in doc.pages] == [PageKind.digital, PageKind.digital]
    text = "\n".join(p.text for p in doc.pages)
    assert "壹佰贰拾万元整" in text and PARTY_B in text and "2024年03月05日" in text
    assert all(line.provenance.stage == "ingest" for p in doc.pages for line in p.lines)


def test_contract_signature_page_carries_both_parties_official_seals(report):
    doc = _doc(report, "01_技术服务合同.pdf")
    assert not doc.pages[0].seals
    _official_seals_of_both_parties(doc.pages[-1].seals)


def test_sideways_scan_is_turned_upright_and_read(report):
    doc = _doc(report, ".jpg")
    (page,) = doc.pages
    assert page.kind == PageKind.scanned and page.rotation == 90
    assert page.height > page.width  # portrait again
    text = page.text.replace(" ", "")
    for key in ("项目验收证明", "验收合格", "2024年06月20日", PARTY_A, CONTRACT_NUMBER):
        assert key in text


def test_scanned_acceptance_carries_both_parties_official_seals(report):
    _official_seals_of_both_parties(_doc(report, ".jpg").seals)


def test_ofd_invoice_text_and_embedded_data_without_ocr(report):
    doc = _doc(report, ".ofd")
    assert all(p.kind == PageKind.ofd for p in doc.pages)
    assert doc.embedded and any(e.entries for e in doc.embedded)
    assert all(line.source.value == "ofd" for p in doc.pages for line in p.lines)
    assert CONTRACT_NUMBER in doc.pages[0].text  # 备注


def test_ofd_invoice_is_the_contracts_invoice_with_the_sellers_invoice_seal(report):
    doc = _doc(report, ".ofd")
    f = _fields(doc)
    assert len(f["invoice_number"]) == 20 and f["issue_date"] == "2024-03-11"
    assert (f["buyer_name"], f["buyer_tax_id"], f["seller_name"], f["seller_tax_id"]) == (
        PARTY_A, TAX_ID_A, PARTY_B, TAX_ID_B)
    net, tax, total = (Decimal(f[k]) for k in ("amount_excl_tax", "tax_amount", "total_amount"))
    assert net + tax == total == Decimal("1200000.00")
    assert any(s.type == SealType.invoice and _owned_by(s, PARTY_B) for s in doc.seals), doc.seals


def test_zip_members_are_expanded_and_ocrd(report):
    slips = [_doc(report, name) for name in SLIPS]
    assert [d.id for d in slips] == list(SLIPS)
    assert "2024031400007312" in slips[0].pages[0].text.replace(" ", "")
    assert "2024070200018893" in slips[1].pages[0].text.replace(" ", "")


def test_demo_is_one_coherent_submission(report):
    """Parties, amounts and dates agree across the documents as the rules read them: contract = invoice = payments."""
    docs = {d.id: _fields(d) for d in report.submission.documents}
    contract = docs["01_技术服务合同.pdf"]
    parties = ("party_a_name", "party_a_tax_id", "party_b_name", "party_b_tax_id")
    assert tuple(contract[k] for k in parties) == (PARTY_A, TAX_ID_A, PARTY_B, TAX_ID_B)
    assert contract["contract_number"] == CONTRACT_NUMBER and contract["total_amount"] == "1200000.00"
    slips = [docs[s] for s in SLIPS]
    assert sum(Decimal(s["amount"]) for s in slips) == Decimal("1200000.00")
    assert {(s["payer_name"], s["payee_name"]) for s in slips} == {(PARTY_A, PARTY_B)}
    vouchers = [docs[v] for v in ("05_记账凭证_首付款.pdf", "06_记账凭证_尾款.pdf")]
    assert [(v["total_debit"], v["total_credit"]) for v in vouchers] == [(s["amount"], s["amount"]) for s in slips]
    assert all(CONTRACT_NUMBER in v["summary"] for v in vouchers)
    acceptance = docs["02_验收证明_扫描.jpg"]
    dates = [contract["sign_date"], docs["03_发票.ofd"]["issue_date"], *(s["transaction_date"] for s in slips),
             acceptance["acceptance_date"]]
    assert dates[0] == min(dates) and "2023-08-01" <= acceptance["acceptance_date"] <= "2024-07-31"


def test_demo_check_is_eligible(pipeline, report):
    """What `evidence check fixtures/demo` concludes, from the pages already read: every rule passes (standing reviews
    aside), 1,200,000.00 recognised, 240,000.00 subsidy."""
    intake = load_intake(DEMO / MANIFEST_NAME)
    assert intake.programme == "beijing-2024" and intake.contracts is None
    checked = assess(report, pipeline.rules(intake.programme), intake)
    a = checked.assessment
    problems = [(f.rule_id, f.status, f.message) for f in checked.findings
                if f.status != FindingStatus.passed and not f.standing]
    assert problems == [] and a.verdict == Verdict.eligible
    assert (a.recognised_total, a.subsidy) == ("1200000.00", "240000.00")
    (c,) = a.contracts
    assert c.contract_number == CONTRACT_NUMBER and len(c.documents) == 7


def test_bad_files_are_reported_by_name_and_the_rest_survives(pipeline, tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(DEMO, sub)
    (sub / "empty.pdf").write_bytes(b"")
    (sub / "truncated.pdf").write_bytes((DEMO / "01_技术服务合同.pdf").read_bytes()[:300])
    locked = pymupdf.open(DEMO / "01_技术服务合同.pdf")
    (sub / "locked.pdf").write_bytes(locked.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y"))
    (sub / "notes.docx").write_bytes(b"PK\x03\x04" + b"\0" * 64)
    report = pipeline.analyze([sub], exclude=(MANIFEST_NAME,))
    reasons = {e.file: e.message for e in report.errors}
    assert set(reasons) == {"empty.pdf", "truncated.pdf", "locked.pdf", "notes.docx"}
    assert "empty" in reasons["empty.pdf"] and "password" in reasons["locked.pdf"]
    assert "unsupported" in reasons["notes.docx"]
    assert len(report.submission.documents) == 7


def test_cli_writes_a_valid_report_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["analyze", str(DEMO / "01_技术服务合同.pdf"), str(tmp_path / "missing.pdf"), "--json", str(out)])
    assert code == 1  # one path failed
    printed = capsys.readouterr().out
    assert "01_技术服务合同.pdf" in printed and "missing.pdf" in printed and "Timings:" in printed
    report = Report.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert len(report.submission.documents) == 1 and report.errors[0].message == "no such file or folder"


def test_files_in_parallel_threads_give_the_same_text(pipeline, report):
    again = pipeline.analyze([DEMO], workers=2, exclude=(MANIFEST_NAME,))
    assert [p.text for d in again.submission.documents for p in d.pages] == [
        p.text for d in report.submission.documents for p in d.pages
    ]
