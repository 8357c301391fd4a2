from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from pipeline.types import (
    SCHEMA_VERSION, BBox, Document, Field, FileError, Finding, FindingStatus, KeyValue, EmbeddedData, Page, PageKind,
    Provenance, Region, Report, Seal, SealShape, SealType, SourceFile, StageTiming, Submission, TextLine, TextSource,
)

PROV = Provenance(stage="ocr", engine="rapidocr", version="3")


def _report() -> Report:
    box = BBox.from_points([(10, 20), (110, 22), (109, 52), (9, 50)])
    line = TextLine(text="合同金额：壹佰贰拾万元整", bbox=box, confidence=0.98, source=TextSource.ocr, provenance=PROV)
    seal = Seal(type=SealType.official, shape=SealShape.round, owner="北京智造云科技有限公司", code=None,
                bbox=BBox(x0=1, y0=2, x1=300, y1=301), page=0, confidence=0.9, texts=("北京智造云科技有限公司",),
                provenance=Provenance(stage="seals"))
    page = Page(file_id="a.pdf", index=0, width=1654, height=2339, dpi=200, kind=PageKind.scanned, rotation=90,
                lines=(line,), seals=(seal,), ocr_confidence=0.98, provenance=PROV)
    field = Field(name="total_amount", value="1200000.00", raw="壹佰贰拾万元整", confidence=0.97,
                  region=Region(file_id="a.pdf", page=0, bbox=box), provenance=Provenance(stage="extract"))
    doc = Document(id="a.pdf", file_id="a.pdf", pages=(page,), fields=(field,),
                   embedded=(EmbeddedData(name="CustomTag", entries=(KeyValue(key="InvoiceNo", value="123"),),
                                          provenance=Provenance(stage="ingest", engine="ofd")),),
                   provenance=Provenance(stage="ingest", engine="pdf"))
    src = SourceFile(id="a.pdf", name="a.pdf", sha256="0" * 64, size=10, media_type="application/pdf")
    return Report(
        pipeline_version="0.1.0", generated_at=datetime(2026, 11, 23, tzinfo=timezone.utc),
        submission=Submission(id="s1", files=(src,), documents=(doc,)),
        findings=(Finding(rule_id="BJ-10", status=FindingStatus.failed, message="finance seal",
                          evidence=(Region(file_id="a.pdf", page=0, bbox=box),), provenance=Provenance(stage="rules")),),
        errors=(FileError(file="b.pdf", error="InputError", message="encrypted"),),
        timings=(StageTiming(stage="ocr", seconds=1.5, pages=1),),
    )


def test_report_round_trips_through_json():
    report = _report()
    again = Report.model_validate_json(report.model_dump_json())
    assert again == report
    assert again.schema_version == SCHEMA_VERSION
    assert again.submission.documents[0].pages[0].lines[0].bbox.polygon[1] == (110.0, 22.0)


def test_models_are_frozen_and_reject_unknown_keys():
    report = _report()
    with pytest.raises(ValidationError):
        report.submission.documents[0].pages[0].lines[0].text = "x"
    data = report.model_dump(mode="json")
    data["unexpected"] = 1
    with pytest.raises(ValidationError):
        Report.model_validate(data)


def test_confidence_outside_unit_interval_is_rejected():
    with pytest.raises(ValidationError):
        TextLine(text="x", bbox=BBox(x0=0, y0=0, x1=1, y1=1), confidence=1.5, source=TextSource.ocr, provenance=PROV)


def test_bbox_rejects_inverted_corners_and_scales_with_polygon():
    with pytest.raises(ValidationError):
        BBox(x0=5, y0=0, x1=1, y1=1)
    box = BBox.from_points([(0, 0), (10, 0), (10, 5), (0, 5)]).scaled(2)
    assert (box.x1, box.y1, box.polygon[2]) == (20, 10, (20, 10))
    assert box.center == (10, 5)


def test_document_seals_collects_every_page():
    doc = _report().submission.documents[0]
    assert [s.owner for s in doc.seals] == ["北京智造云科技有限公司"]
