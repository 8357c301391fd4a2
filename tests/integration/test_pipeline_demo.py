"""End to end on the demo submission: every input form, real models, and failures isolated per file."""

import json
import shutil

import pymupdf
import pytest

from pipeline.cli import main
from pipeline.run import Pipeline
from pipeline.types import PageKind, Report

from tests.conftest import DEMO


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline()


@pytest.fixture(scope="module")
def report(pipeline):
    return pipeline.analyze([DEMO])


def _doc(report, suffix):
    (doc,) = [d for d in report.submission.documents if d.id.endswith(suffix)]
    return doc


def test_every_demo_file_becomes_a_document(report):
    assert report.errors == ()
    assert len(report.submission.documents) == 4
    assert {f.media_type for f in report.submission.files} == {"application/pdf", "image/jpeg", "application/ofd", "image/png"}


def test_digital_contract_is_read_from_its_text_layer_without_ocr(report):
    doc = _doc(report, ".pdf")
    assert [p.kind for p in doc.pages] == [PageKind.digital, PageKind.digital]
    text = "\n".join(p.text for p in doc.pages)
    assert "壹佰贰拾万元整" in text and "北京智造云科技有限公司" in text and "2024年3月5日" in text
    assert all(line.provenance.stage == "ingest" for p in doc.pages for line in p.lines)


def test_sideways_scan_is_turned_upright_and_read(report):
    doc = _doc(report, ".jpg")
    (page,) = doc.pages
    assert page.kind == PageKind.scanned and page.rotation == 90
    assert page.height > page.width  # portrait again
    text = page.text.replace(" ", "")
    for key in ("项目验收证明", "验收合格", "2024年6月20日", "北京精工智能制造有限公司"):
        assert key in text


def test_ofd_invoice_text_and_embedded_data_without_ocr(report):
    doc = _doc(report, ".ofd")
    assert all(p.kind == PageKind.ofd for p in doc.pages)
    assert doc.embedded and any(e.entries for e in doc.embedded)
    assert all(line.source.value == "ofd" for p in doc.pages for line in p.lines)


def test_zip_member_is_expanded_and_ocrd(report):
    doc = _doc(report, ".png")
    assert doc.id == "04_银行回单.zip/银行回单/工商银行电子回单.png"
    assert "2024070200018893" in doc.pages[0].text.replace(" ", "")


def test_bad_files_are_reported_by_name_and_the_rest_survives(pipeline, tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(DEMO, sub)
    (sub / "empty.pdf").write_bytes(b"")
    (sub / "truncated.pdf").write_bytes((DEMO / "01_技术服务合同.pdf").read_bytes()[:300])
    locked = pymupdf.open(DEMO / "01_技术服务合同.pdf")
    (sub / "locked.pdf").write_bytes(locked.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y"))
    (sub / "notes.docx").write_bytes(b"PK\x03\x04" + b"\0" * 64)
    report = pipeline.analyze([sub])
    reasons = {e.file: e.message for e in report.errors}
    assert set(reasons) == {"empty.pdf", "truncated.pdf", "locked.pdf", "notes.docx"}
    assert "empty" in reasons["empty.pdf"] and "password" in reasons["locked.pdf"]
    assert "unsupported" in reasons["notes.docx"]
    assert len(report.submission.documents) == 4


def test_cli_writes_a_valid_report_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["analyze", str(DEMO / "01_技术服务合同.pdf"), str(tmp_path / "missing.pdf"), "--json", str(out)])
    assert code == 1  # one path failed
    printed = capsys.readouterr().out
    assert "01_技术服务合同.pdf" in printed and "missing.pdf" in printed and "Timings:" in printed
    report = Report.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert len(report.submission.documents) == 1 and report.errors[0].message == "no such file or folder"


def test_files_in_parallel_threads_give_the_same_text(pipeline, report):
    again = pipeline.analyze([DEMO], workers=2)
    assert [p.text for d in again.submission.documents for p in d.pages] == [
        p.text for d in report.submission.documents for p in d.pages
    ]
