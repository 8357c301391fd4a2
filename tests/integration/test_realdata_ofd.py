"""Real OFD e-invoices and invoice images from public repositories (../shared/realdata, never copied into the repo).

Every OFD opens, and its first page is drawn; for each labelled OFD invoice the invoice number, issue date (in any
printed form), buyer, seller and total appear in the page text or the embedded data; every invoice and bank-slip image
opens and decodes (some lie about their extension). Skipped when the real data is not there.
"""

import json
import re

import numpy as np
import pytest

from pipeline.config import IngestConfig
from pipeline.ingest.archive import make_source
from pipeline.ingest.image import ImageLoader
from pipeline.ingest.ofd import OfdLoader
from pipeline.ingest.sniff import IMAGE_TYPES

from tests.conftest import REALDATA

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not available")

CONFIG = IngestConfig(dpi=100)
FIELDS = ("invoice_number", "issue_date", "buyer_name", "seller_name", "total_amount")


def _files(*globs):
    return sorted(p for g in globs for p in REALDATA.glob(g)) if REALDATA.is_dir() else []


def _labels():
    out = []
    for path in _files("labels/ofd/*.json"):
        label = json.loads(path.read_text(encoding="utf-8"))
        if label.get("doc_type") == "invoice":
            out.append(pytest.param(label, id=path.stem))
    return out


def _open_ofd(path):
    data = path.read_bytes()
    return OfdLoader()(data, make_source(path.name, data), CONFIG)


def _date_forms(value: str) -> set[str]:
    y, m, d = value.split("-")
    return {value, f"{y}年{m}月{d}日", f"{y}年{int(m)}月{int(d)}日", f"{y}{m}{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}"}


@pytest.mark.parametrize("path", _files("ofd/*.ofd", "other/*.ofd"), ids=lambda p: p.name)
def test_every_real_ofd_opens_with_text_and_a_drawn_first_page(path):
    loaded = _open_ofd(path)
    assert loaded.page_count >= 1
    page = loaded.page(0)
    assert page.lines, "no text"
    img = page.image()
    assert img is not None and img.shape == (page.height, page.width, 3)
    assert (img < 128).mean() > 0.002, "nothing was drawn"


@pytest.mark.parametrize("label", _labels())
def test_labelled_invoice_values_appear_in_page_text_or_embedded_data(label):
    loaded = _open_ofd(REALDATA / label["file"])
    pages = "\n".join(line.text for page in loaded.pages() for line in page.lines)
    embedded = "\n".join(kv.value for e in loaded.embedded for kv in e.entries)
    haystack = pages + "\n" + embedded
    squeezed = re.sub(r"\s+", "", haystack)  # producers space out characters; extraction reads them without
    missing = []
    for name in FIELDS:
        value = label["fields"].get(name)
        if value is None:
            continue
        forms = _date_forms(value) if name == "issue_date" else {value}
        if not any(f in haystack or f in squeezed for f in forms):
            missing.append(f"{name}={value}")
    assert not missing, f"not found: {missing}"


@pytest.mark.parametrize("path", _files("invoices/*", "bank_slips/*"), ids=lambda p: p.name)
def test_real_invoice_and_bank_slip_images_open_whatever_their_extension(path):
    data = path.read_bytes()
    source = make_source(path.name, data)
    assert source.media_type in IMAGE_TYPES
    loaded = ImageLoader()(data, source, CONFIG)
    img = loaded.page(0).image()
    assert img.dtype == np.uint8 and img.shape == (loaded.page(0).height, loaded.page(0).width, 3)
    assert max(img.shape[:2]) <= CONFIG.max_image_side
