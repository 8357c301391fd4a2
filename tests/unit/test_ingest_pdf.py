import numpy as np
import pymupdf
import pytest

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest import Ingestor
from pipeline.ingest.archive import make_source, InputFile
from pipeline.ingest.pdf import PdfLoader, text_layer_quality
from pipeline.ocr.base import nfkc
from pipeline.types import PageKind

CONFIG = IngestConfig(dpi=100)
CONTRACT_TEXT = "技术服务合同 甲方：北京智造云科技有限公司 合同金额：壹佰贰拾万元整"


def _pdf(build) -> bytes:
    doc = pymupdf.open()
    build(doc)
    return doc.tobytes()


def _load(data: bytes, name="t.pdf", config=CONFIG):
    return PdfLoader()(data, make_source(name, data), config)


def _digital(doc):
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 100), CONTRACT_TEXT, fontname="china-s", fontsize=12)
    page.insert_text((72, 130), "签订日期：2024年3月5日", fontname="china-s", fontsize=12)


def _scanned(doc):
    page = doc.new_page(width=595, height=842)
    img = np.full((200, 300, 3), 255, np.uint8)
    img[90:110, 20:280] = 0
    pix = pymupdf.Pixmap(pymupdf.csRGB, 300, 200, img.tobytes(), False)
    page.insert_image(pymupdf.Rect(50, 50, 545, 400), pixmap=pix)


def test_digital_page_keeps_its_text_layer_with_boxes_in_page_pixels():
    loaded = _load(_pdf(_digital))
    page = loaded.page(0)
    assert page.kind == PageKind.digital
    assert (page.width, page.height) == (827, 1170)  # A4 at 100 dpi
    assert [line.text for line in page.lines] == [nfkc(CONTRACT_TEXT), "签订日期:2024年3月5日"]  # NFKC: full-width colon
    box = page.lines[0].bbox
    assert 95 < box.x0 < 105 and 120 < box.y1 < 145  # 72 pt = 100 px at 100 dpi; baseline at 100 pt = 139 px
    image = page.image()
    assert image.shape == (page.height, page.width, 3) and image.dtype == np.uint8


def test_image_only_page_goes_to_ocr():
    page = _load(_pdf(_scanned)).page(0)
    assert page.kind == PageKind.scanned and page.lines == ()
    assert page.image().shape[:2] == (page.height, page.width) == (1170, 827)


def test_invisible_ocr_layer_is_ignored_and_the_page_is_ocrd_again():
    def build(doc):
        _scanned(doc)
        doc[0].insert_text((72, 100), CONTRACT_TEXT, fontname="china-s", render_mode=3)

    assert _load(_pdf(build)).page(0).kind == PageKind.scanned


def test_rotated_page_text_boxes_follow_the_rotation():
    def build(doc):
        _digital(doc)
        doc[0].set_rotation(90)

    page = _load(_pdf(build)).page(0)
    assert (page.width, page.height) == (1170, 827)
    box = page.lines[0].bbox
    assert box.height > box.width  # the line now runs top to bottom
    assert 0 <= box.x0 <= box.x1 <= page.width and 0 <= box.y0 <= box.y1 <= page.height


def test_garbage_text_layer_quality():
    assert text_layer_quality(CONTRACT_TEXT)[1] == 1.0
    n, q = text_layer_quality("ÌØ±ðÉùÃ÷\ufffd\ue000\ue001ºÏÍ¬")
    assert n == 15 and q < 0.5


def test_encrypted_pdf_is_an_input_error_naming_the_file():
    doc = pymupdf.open()
    _digital(doc)
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(InputError) as err:
        _load(data, "locked.pdf")
    assert err.value.file == "locked.pdf" and "password" in err.value.reason


def test_corrupt_pdf_is_an_input_error():
    data = _pdf(_digital)
    with pytest.raises(InputError, match="broken.pdf"):
        _load(b"%PDF-1.7\n" + data[200:260], "broken.pdf")


def test_empty_and_unsupported_files_are_input_errors():
    ingest = Ingestor(CONFIG)
    with pytest.raises(InputError, match="empty"):
        ingest(InputFile(make_source("empty.pdf", b""), b""))
    docx = b"PK\x03\x04" + b"\0" * 40
    with pytest.raises(InputError, match="unsupported file type"):
        ingest(InputFile(make_source("a.docx", docx), docx))


def test_pdf2image_renderer_matches_pymupdf_geometry():
    from pipeline.ingest.renderers import Pdf2ImageRenderer

    if not Pdf2ImageRenderer.is_available():
        pytest.skip("poppler's pdftoppm is not installed")
    data = _pdf(_digital)
    a = PdfLoader("pymupdf")(data, make_source("t.pdf", data), CONFIG).page(0).image()
    b = PdfLoader("pdf2image")(data, make_source("t.pdf", data), CONFIG).page(0).image()
    assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2
    # both draw the text in the same place
    ink_a = np.argwhere(a.min(axis=2) < 128).mean(axis=0)
    ink_b = np.argwhere(b.min(axis=2) < 128).mean(axis=0)
    assert np.abs(ink_a - ink_b).max() < 5
