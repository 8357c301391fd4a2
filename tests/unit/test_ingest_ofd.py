"""OFD loader on the generated fixtures (fixtures/ofd, made by scripts/make_ofd_fixture.py) and on packages broken on
purpose in the test: text with boxes, embedded invoice data, the drawn page, and safe rejection of bad packages."""

import io
import zipfile

import numpy as np
import pytest

from pipeline.config import ArchiveLimits, IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.archive import make_source
from pipeline.ingest.ofd import OfdLoader
from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.content import _deltas
from pipeline.ingest.ofd.document import seal_name, seal_picture
from pipeline.ingest.ofd.package import resolve
from pipeline.types import PageKind, TextSource

from tests.conftest import FIXTURES

CONFIG = IngestConfig(dpi=100)
PX = 100 / 25.4  # pixels per millimetre at 100 dpi
OFD = FIXTURES / "ofd" / "synthetic_invoice.ofd"
OFD_NONS = FIXTURES / "ofd" / "synthetic_invoice_nons.ofd"
LOADER = OfdLoader()


def _load(data: bytes, name="t.ofd", config=CONFIG):
    return LOADER(data, make_source(name, data), config)


def _members(path=OFD) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _patched(**changes: bytes | None) -> bytes:
    """The fixture with members replaced (bytes) or removed (None); keys use __ for / and _dot_ for ."""
    members = _members()
    for key, content in changes.items():
        name = key.replace("__", "/").replace("_dot_", ".")
        if content is None:
            members.pop(name)
        else:
            members[name] = content
    return _zip(members)


def _entries(loaded, name):
    (data,) = [e for e in loaded.embedded if e.name == name]
    return {kv.key: kv.value for kv in data.entries}


@pytest.fixture(scope="module")
def loaded():
    return _load(OFD.read_bytes(), "synthetic_invoice.ofd")


@pytest.fixture(scope="module")
def page(loaded):
    return loaded.page(0)


def test_page_geometry_comes_from_the_physical_box_in_millimetres(loaded, page):
    assert loaded.page_count == 1
    assert page.kind == PageKind.ofd and page.dpi == 100
    assert (page.width, page.height) == (round(210 * PX), round(140 * PX))  # 827 x 551


def test_text_includes_template_page_and_annotation_text_nfkc_normalised(page):
    texts = [line.text for line in page.lines]
    assert "电子发票(增值税专用发票)" in texts  # from the template page; full-width brackets -> ASCII by NFKC
    assert any("24110000000012345678" in t and t.startswith("发票号码:") for t in texts)  # template label + page value
    assert any("2024年06月18日" in t for t in texts)
    assert "开票人:测试员" in texts  # annotation appearance
    assert all(line.source == TextSource.ofd and line.confidence == 1.0 for line in page.lines)


def test_sign_and_amount_split_over_two_objects_are_joined_into_one_line(page):
    assert any(line.text.endswith("¥10600.00") for line in page.lines)


def test_boxes_are_converted_from_millimetres_to_page_pixels(page):
    (line,) = [ln for ln in page.lines if ln.text == "10000.00"]  # TextObject Boundary x=120 mm, baseline y=60.86 mm
    assert line.bbox.x0 == pytest.approx(120 * PX, abs=1)
    baseline = (58 + 3.175 * 0.9) * PX
    assert line.bbox.y0 < baseline < line.bbox.y1 <= baseline + 3.175 * PX * 0.2
    assert line.bbox.width == pytest.approx(8 * 0.5 * 3.175 * PX, rel=0.05)  # 8 half-width glyphs


def test_rotated_text_keeps_its_polygon(page):
    (line,) = [ln for ln in page.lines if ln.text == "下载次数:1"]
    assert line.bbox.polygon is not None
    assert line.bbox.height > 3 * line.bbox.width  # CTM "0 1 -1 0": the run reads downwards


def test_custom_tags_resolve_to_the_text_of_the_objects_they_point_at(loaded):
    tags = _entries(loaded, "custom_tag:CustomTag.xml")
    assert tags["InvoiceNo"] == "24110000000012345678"
    assert tags["Buyer/BuyerName"] == "示例采购科技有限公司"
    assert tags["TaxInclusiveTotalAmount"] == "¥10600.00"


def test_invoice_xml_attachment_is_flattened_by_element_path(loaded):
    att = _entries(loaded, "attachment:original_invoice.xml")
    assert att["Seller/SellerName"] == "样例软件服务有限公司"
    assert att["GoodsInfos/GoodsInfo[2]/Amount"] == "4000.00"
    assert _entries(loaded, "ofd_custom_data")["发票号码"] == "24110000000012345678"
    assert ("creator", "make_ofd_fixture") in {(kv.key, kv.value) for kv in loaded.metadata}


def test_page_image_is_drawn_with_text_lines_and_the_seal_image(page):
    img = page.image()
    assert img.shape == (page.height, page.width, 3) and img.dtype == np.uint8
    assert (img[:20, :20] == 255).all()  # white background
    seal = img[round(100 * PX) : round(120 * PX), round(150 * PX) : round(180 * PX)].astype(int)
    red = (seal[..., 2] > 180) & (seal[..., 1] < 90) & (seal[..., 0] < 90)
    assert red.sum() > 200
    (number,) = [ln for ln in page.lines if "24110000000012345678" in ln.text]
    b = number.bbox
    assert (img[int(b.y0) : int(b.y1), int(b.x0) : int(b.x1)] < 100).any()  # glyphs were drawn
    frame = img[round(30 * PX) - 1 : round(30 * PX) + 2, 100:700]  # template line at y=30 mm
    assert (frame.min(axis=2) < 200).any(axis=0).mean() > 0.9


def test_document_without_namespace_prefix_reads_the_same():
    a, b = _load(OFD.read_bytes()), _load(OFD_NONS.read_bytes())
    assert [ln.text for ln in a.page(0).lines] == [ln.text for ln in b.page(0).lines]
    assert a.embedded == b.embedded


def test_missing_entry_point_is_rejected():
    with pytest.raises(InputError, match="OFD.xml") as err:
        _load(_patched(OFD_dot_xml=None), "broken.ofd")
    assert err.value.file == "broken.ofd"


def test_external_entity_is_rejected():
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content>&e;</ofd:Content></ofd:Page>')
    with pytest.raises(InputError, match="unsafe XML"):
        _load(_patched(Doc_0__Pages__Page_0__Content_dot_xml=evil))


def test_malformed_page_xml_names_the_member():
    with pytest.raises(InputError, match="Pages/Page_0/Content.xml"):
        _load(_patched(Doc_0__Pages__Page_0__Content_dot_xml=b"<ofd:Page><unclosed></ofd:Page>"))


def test_missing_page_is_rejected():
    with pytest.raises(InputError, match="page 1"):
        _load(_patched(Doc_0__Pages__Page_0__Content_dot_xml=None))


def test_bad_zip_and_empty_file_are_rejected():
    data = OFD.read_bytes()
    with pytest.raises(InputError, match="zip"):
        _load(data[: len(data) // 2])
    with pytest.raises(InputError, match="empty"):
        _load(b"")


def test_path_traversal_member_is_rejected():
    members = _members()
    members["../../evil.xml"] = b"<x/>"
    with pytest.raises(InputError, match="traversal"):
        _load(_zip(members))


def test_archive_limits_apply_to_the_package():
    small = CONFIG.model_copy(update={"archive": ArchiveLimits(max_files=5)})
    with pytest.raises(InputError, match="more than the limit"):
        _load(OFD.read_bytes(), config=small)
    tiny = CONFIG.model_copy(update={"archive": ArchiveLimits(max_total_bytes=2000)})
    with pytest.raises(InputError, match="expand"):
        _load(OFD.read_bytes(), config=tiny)


def test_broken_namespace_in_custom_tags_is_read_leniently():
    tags = (b'<?xml version="1.0" encoding="UTF-8"?>\n<:eInvoice xmlns:=""><InvoiceNo>'
            b'<ofd:ObjectRef PageRef="1">101</ofd:ObjectRef></InvoiceNo></:eInvoice>')
    loaded = _load(_patched(Doc_0__Tags__CustomTag_dot_xml=tags))
    assert _entries(loaded, "custom_tag:CustomTag.xml") == {"InvoiceNo": "24110000000012345678"}


def test_gbk_encoded_attachment_is_decoded():
    xml = '<?xml version="1.0" encoding="GBK"?><eInvoice><BuyerName>示例采购科技有限公司</BuyerName></eInvoice>'
    loaded = _load(_patched(Doc_0__Attachs__original_invoice_dot_xml=xml.encode("gbk")))
    assert _entries(loaded, "attachment:original_invoice.xml") == {"BuyerName": "示例采购科技有限公司"}


def test_unreadable_image_resource_does_not_lose_the_page():
    loaded = _load(_patched(Doc_0__Res__seal_dot_png=b"\x89PNG\r\n\x1a\nnot really"))
    img = loaded.page(0).image()
    assert img.shape[:2] == (551, 827) and (img < 100).any()


def test_page_too_large_to_draw_is_text_only():
    loaded = _load(OFD.read_bytes(), config=CONFIG.model_copy(update={"max_image_pixels": 10_000}))
    page = loaded.page(0)
    assert page.image_loader is None and page.image() is None and page.lines


def _seal_ofd() -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    return _zip({
        "OFD.xml": (f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                    "</ofd:DocBody></ofd:OFD>").encode(),
        "Doc_0/Document.xml": (f'<ofd:Document {ns}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 40 40'
                               '</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>'
                               '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
                               "</ofd:Document>").encode(),
        "Doc_0/Pages/Page_0/Content.xml": (
            f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="2">'
            '<ofd:PathObject ID="3" Boundary="0 0 40 40" LineWidth="2">'
            '<ofd:StrokeColor Value="255 0 0"/><ofd:AbbreviatedData>M 2 20 A 18 18 0 1 1 38 20 A 18 18 0 1 1 2 20 C'
            "</ofd:AbbreviatedData></ofd:PathObject></ofd:Layer></ofd:Content></ofd:Page>").encode(),
    })


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    return bytes([tag]) + (bytes([n]) if n < 0x80 else b"\x82" + n.to_bytes(2, "big")) + content


def _ses_seal(name: str, picture: bytes) -> bytes:
    """An SES seal (GB/T 38540): SES_SealInfo (header, ID, property with the type and the name, picture), then the
    maker's signature (left out)."""
    header = _der(0x30, _der(0x16, b"ES") + _der(0x02, b"\x04") + _der(0x16, b"Azt"))
    prop = _der(0x30, _der(0x02, b"\x01") + _der(0x0C, name.encode()) + _der(0x02, b"\x01"))
    pic = _der(0x30, _der(0x16, b"ofd") + _der(0x04, picture))
    return _der(0x30, _der(0x30, header + _der(0x16, b"120106109000000001") + prop + pic))


def test_signature_seal_picture_is_drawn_at_its_stamp_annotation():
    seal = _seal_ofd()
    der = _ses_seal("全国统一发票监制章国家税务总局重庆市税务局", seal)
    ns = b'xmlns:ofd="http://www.ofdspec.org/2016"'
    members = _members()
    members["OFD.xml"] = members["OFD.xml"].replace(
        b"</ofd:DocBody>", b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>")
    members["Doc_0/Signs/Signatures.xml"] = (
        b"<ofd:Signatures " + ns + b'><ofd:Signature ID="1" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>')
    members["Doc_0/Signs/Sign_0/Signature.xml"] = (
        b"<ofd:Signature " + ns + b'><ofd:SignedInfo><ofd:Provider ProviderName="Test"/>'
        b'<ofd:StampAnnot ID="1" PageRef="1" Boundary="20 60 40 40"/></ofd:SignedInfo>'
        b"<ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>")
    members["Doc_0/Signs/Sign_0/SignedValue.dat"] = der
    loaded = _load(_zip(members))
    img = loaded.page(0).image().astype(int)
    region = img[round(60 * PX) : round(100 * PX), round(20 * PX) : round(60 * PX)]
    red = (region[..., 2] > 180) & (region[..., 1] < 100)
    assert red.sum() > 300  # the ring of the seal
    meta = {kv.key: kv.value for kv in loaded.metadata}
    assert meta["signatures"] == "1" and meta["signature_1_provider"] == "Test"
    assert meta["signature_1_seal_name"] == "全国统一发票监制章国家税务总局重庆市税务局"
    (box, name), = loaded.page(0).stamps  # the stamp's box on the page, for the seal found there
    assert name == "全国统一发票监制章国家税务总局重庆市税务局"
    assert box == pytest.approx((20 * PX, 60 * PX, 60 * PX, 100 * PX), abs=0.01)
    assert seal_picture(der) == ("ofd", seal)
    # a blob without the seal's header has no name; one cut short keeps it while its name is whole
    cut = der.find("全国".encode()) + 5
    assert seal_name(seal) is None and seal_name(der[:cut]) is None
    assert seal_name(der[: len(der) // 3]) == "全国统一发票监制章国家税务总局重庆市税务局"


def test_delta_lists_expand_g_repeats():
    assert _deltas("g 3 1.5 2 g 2 0.5") == [1.5, 1.5, 1.5, 2.0, 0.5, 0.5]


def test_references_cannot_climb_out_of_the_package():
    assert resolve("Doc_0/Document.xml", "Pages/Page_0/Content.xml") == "Doc_0/Pages/Page_0/Content.xml"
    assert resolve("Doc_0/Document.xml", "/Doc_0/Res/a.png") == "Doc_0/Res/a.png"
    assert resolve("Doc_0/Document.xml", "../../etc/passwd") is None


def test_path_data_with_curves_and_arcs_is_flattened():
    (ring, closed), = g.parse_path("M 0 10 A 10 10 0 1 1 20 10 A 10 10 0 1 1 0 10 C")
    assert closed and np.allclose(np.hypot(ring[:, 0] - 10, ring[:, 1] - 10), 10, atol=1e-6)
    (curve, _), = g.parse_path("M 0 0 B 0 10 10 10 10 0")
    assert curve[-1].tolist() == [10, 0] and curve[:, 1].max() == pytest.approx(7.5, abs=0.1)
    assert g.apply(g.compose(g.translate(5, 0), g.ctm("0 1 -1 0 0 0")), 1, 0) == (5.0, 1.0)


def test_corrupt_compressed_member_is_rejected_naming_it():
    data = bytearray(OFD.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("Doc_0/Pages/Page_0/Content.xml")
    start = info.header_offset + 30 + len(info.filename.encode())
    for k in range(start + 20, start + 60):
        data[k] ^= 0x55
    with pytest.raises(InputError, match="Page_0/Content.xml"):
        _load(bytes(data))
