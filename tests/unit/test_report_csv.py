"""The batch summary CSV: columns, counts, rule lists, BOM and appending under one header. Also holds the synthetic
report the report unit tests share."""

import csv
from datetime import datetime, timezone

import pytest

from pipeline.report.csv import COLUMNS, summary_row, write_summary_csv
from pipeline.types import (
    Assessment,
    BBox,
    ContractAssessment,
    Document,
    DocType,
    Field,
    FileError,
    Finding,
    Observation,
    Page,
    PageKind,
    Provenance,
    Region,
    Report,
    Submission,
    SourceFile,
)

P = Provenance(stage="test")
CONTRACT = "C1/contract.pdf"
SCAN = "C1/acceptance.jpg"


def region(file_id=CONTRACT, page=0, x=100.0, y=100.0, w=400.0, h=40.0, polygon=None) -> Region:
    return Region(file_id=file_id, page=page, bbox=BBox(x0=x, y0=y, x1=x + w, y1=y + h, polygon=polygon))


def finding(rule, status, contract=None, standing=False, evidence=(), observations=(), message=None, **kw) -> Finding:
    return Finding(rule_id=rule, status=status, contract=contract, standing=standing, evidence=tuple(evidence),
                   observations=tuple(observations), message=message or f"{rule} {status}", provenance=P, **kw)


def make_report(assessment=True) -> Report:
    """Two contracts; C1 fails X-02 (seal, with a polygon, and two observations with regions), has a non-standing review
    (eight far-apart regions: two past the sixth crop), a standing review (on a page without image) and a pass; a
    submission-level fail without evidence; a file error and an unassigned document."""
    pages = (Page(file_id=CONTRACT, index=0, width=1654, height=2339, dpi=200, kind=PageKind.digital, provenance=P),
             Page(file_id=CONTRACT, index=1, width=1654, height=2339, dpi=200, kind=PageKind.digital, provenance=P))
    scan = Page(file_id=SCAN, index=0, width=1240, height=1755, dpi=200, kind=PageKind.scanned, rotation=90,
                provenance=P)
    party_a = region(y=380)
    party_b = region(y=580)
    seal = Region(file_id=CONTRACT, page=1, bbox=BBox.from_points([(1000, 500), (1300, 500), (1300, 800), (1000, 800)]))
    docs = (
        Document(id=CONTRACT, doc_type=DocType.contract, doc_type_confidence=0.9, file_id=CONTRACT, pages=pages,
                 fields=(Field(name="party_a_name", value="北京精工智能制造有限公司", confidence=1.0, region=party_a,
                               provenance=P),), provenance=P),
        Document(id=SCAN, doc_type=DocType.acceptance, file_id=SCAN, pages=(scan,), provenance=P),
    )
    findings = (
        finding("BJ-01", "pass"),
        finding("X-02", "fail", "C1", evidence=[seal, party_a, party_b], score=0.0, threshold=80.0,
                message="the 公章 on C1/contract.pdf belongs to 'A', not to a party <script>alert(1)</script>",
                observations=[Observation(label="公章 on contract", value="A", document=CONTRACT, field="seals",
                                          region=seal, confidence=0.89),
                              Observation(label="contract party A", value="北京精工智能制造有限公司", document=CONTRACT,
                                          field="party_a_name", region=party_a, confidence=1.0)]),
        finding("BJ-05", "pass", "C1", evidence=[region(y=1200)]),
        finding("BJ-04", "review", "C1", standing=True, evidence=[region(SCAN, 0, y=300)]),
        finding("BJ-10", "review", "C1", evidence=[region(page=i // 3, y=100 + 760 * (i % 3)) for i in range(6)]
                + [region(SCAN, 0, y=100), region(SCAN, 0, y=1200)]),
        finding("BJ-13", "fail", message="recognised total 0.00 < 1000000.00"),
        finding("X-04", "review", "C2", observations=[Observation(label="sum of payments", value="1.00",
                                                                  source="derived")]),
    )
    contracts = (
        ContractAssessment(id="C1", contract_number="HT-1", documents=(CONTRACT, SCAN), contract_total="1030000.00",
                           invoice_total="1030000.00", invoice_total_counted="1030000.00", paid_total="1030000.00",
                           paid_total_counted="1030000.00", recognised="0.00", excluded_by=("X-02",),
                           verdict="not_eligible", reasons=("X-02 fails",)),
        ContractAssessment(id="C2", contract_number="HT-2", grouping="auto", grouping_confidence=0.8,
                           recognised="360000.00", verdict="needs_review"),
    )
    a = Assessment(programme="beijing-2024", pack_version="2024.1", verdict="not_eligible",
                   reasons=("BJ-13 fails: recognised total 0.00 < 1000000.00",), recognised_total="360000.00",
                   subsidy="0.00", contracts=contracts, unassigned=("commitment.pdf",))
    files = tuple(SourceFile(id=i, name=i, sha256="0" * 64, size=1, media_type="x") for i in (CONTRACT, SCAN))
    return Report(pipeline_version="0.1.0", generated_at=datetime(2024, 7, 26, 10, 0, tzinfo=timezone.utc),
                  submission=Submission(id="sub-1", files=files, documents=docs), findings=findings,
                  assessment=a if assessment else None,
                  errors=(FileError(file="broken.pdf", error="InputError", message="not a readable PDF"),))


def test_summary_row_counts_fails_and_non_standing_reviews_and_names_rules_with_contracts():
    row = summary_row(make_report())
    assert tuple(row) == COLUMNS
    assert row["verdict"] == "not_eligible" and row["programme"] == "beijing-2024"
    assert row["fails"] == 2 and row["reviews"] == 2  # the standing BJ-04 is not counted
    assert row["failing_rules"] == "BJ-13;X-02:C1"
    assert row["review_rules"] == "BJ-10:C1;X-04:C2"
    assert row["contracts"] == 2 and row["contracts_excluded"] == 1
    assert row["documents"] == 2 and row["file_errors"] == 1
    assert row["recognised_total"] == "360000.00" and row["subsidy"] == "0.00"
    assert row["generated_at"] == "2024-07-26T10:00:00+00:00"


def test_summary_row_without_assessment_leaves_the_verdict_empty():
    row = summary_row(make_report(assessment=False))
    assert row["verdict"] == "" and row["programme"] == "" and row["contracts"] == 0


def test_csv_is_utf8_with_bom_and_one_header_when_appending(tmp_path):
    path = tmp_path / "summary.csv"
    write_summary_csv([make_report(), make_report(assessment=False)], path)
    write_summary_csv([make_report()], path, append=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == ["sub-1"] * 3
    assert sum(1 for r in rows if tuple(r) == COLUMNS) == 1


def test_appending_to_a_csv_with_another_header_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        write_summary_csv([make_report()], path, append=True)
