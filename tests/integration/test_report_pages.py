"""Boxes land on the right pixels of the page images the report draws from: real pipeline output, real files."""

import numpy as np
import pytest
from rapidfuzz import fuzz

from pipeline.ingest import collect
from pipeline.ocr.base import get_engine
from pipeline.ocr.reader import PageReader
from pipeline.report.pages import PageImages
from pipeline.run import Pipeline
from tests.conftest import DEMO, FIXTURES

pytestmark = pytest.mark.integration

SKEWED = FIXTURES / "scenarios" / "bj_finance_seal_acceptance"


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline()


@pytest.fixture(scope="module")
def demo(pipeline):
    return pipeline.analyze([DEMO])


def _crop(image, bbox, pad=3):
    h, w = image.shape[:2]
    y0, y1 = max(0, int(bbox.y0) - pad), min(h, int(bbox.y1) + pad)
    x0, x1 = max(0, int(bbox.x0) - pad), min(w, int(bbox.x1) + pad)
    return image[y0:y1, x0:x1]


def test_field_boxes_of_a_sideways_scan_a_zip_member_and_a_digital_pdf_read_back_as_their_raw_text(pipeline, demo):
    engine = get_engine("rapidocr")
    pages = {(p.file_id, p.index): p for d in demo.submission.documents for p in d.pages}
    checked = set()
    with PageImages.for_report(DEMO, demo, pipeline.ingest) as images:
        for doc in demo.submission.documents:
            for field in doc.fields:
                if field.region is None or not field.raw or len(field.raw) < 4:
                    continue
                page = pages[(field.region.file_id, field.region.page)]
                image = images(page)
                assert image is not None and image.shape[:2] == (page.height, page.width)
                crop = _crop(image, field.region.bbox)
                assert crop.size and crop.std() > 10, (doc.id, field.name)  # not blank paper
                ((text, _),) = engine.recognize([crop])
                raw, read = field.raw.replace(" ", ""), text.replace(" ", "")
                assert fuzz.partial_ratio(raw, read) >= 80, (doc.id, field.name, field.raw, text)
                checked.add((doc.id, page.rotation))
    rotations = {r for _, r in checked}
    assert 90 in rotations and 0 in rotations  # the sideways scan was among them
    assert any(".zip/" in d for d, _ in checked) and any(d.endswith(".pdf") for d, _ in checked)


def test_a_deskewed_scan_is_reproduced_pixel_for_pixel_from_its_page_record(pipeline):
    files = {f.source.id: f for f in collect([SKEWED], exclude=("manifest.json", "labels/*"))[0]}
    reader = PageReader(pipeline.engine)
    raster = pipeline.ingest(files["C1/acceptance.jpg"]).page(0)
    read = reader(raster)
    assert read.page.skew != 0.0  # the fixture is tilted: the reproduction has something to reproduce
    with PageImages(SKEWED, pipeline.ingest) as images:
        mine = images(read.page)
    assert mine.shape == read.image.shape
    assert np.abs(mine.astype(np.int16) - read.image.astype(np.int16)).mean() < 1.0
