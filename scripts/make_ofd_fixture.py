"""Generate the synthetic OFD e-invoices in ``fixtures/ofd/`` (fake companies and numbers only), with their ground truth.

    python scripts/make_ofd_fixture.py            # writes fixtures/ofd/*.ofd and *.json

Two packages, byte-for-byte reproducible (fixed zip timestamps, no randomness):

- ``synthetic_invoice.ofd``: the common shape of a 数电票 OFD, ``ofd:`` namespace: a template page (title, frame lines,
  labels), page text split the way producers split it (``¥`` and the amount in two objects, a DeltaX run, a rotated
  side note with a CTM), a seal PNG as an ImageObject, a watermark annotation with text, a ``Tags/CustomTag.xml`` that
  maps tag names to TextObject IDs and an ``Attachs/original_invoice.xml`` attachment.
- ``synthetic_invoice_nons.ofd``: the same document written without any namespace (some producers omit it).

The writer is reusable (``scripts/make_demo.py`` writes the demo's e-invoice with it): ``text_obj`` / ``line_obj`` /
``page_xml`` for layer contents, ``custom_tags`` and ``invoice_xml`` for the data, ``package_members`` for the rest of
the package and ``package`` for the zip.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "ofd"
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'

FIELDS = {
    "invoice_number": "24110000000012345678",
    "issue_date": "2024-06-18",
    "issue_date_printed": "2024年06月18日",
    "buyer_name": "示例采购科技有限公司",
    "buyer_tax_id": "91110000MA00000001",
    "seller_name": "样例软件服务有限公司",
    "seller_tax_id": "91310000MA00000002",
    "amount_excl_tax": "10000.00",
    "tax_amount": "600.00",
    "total_amount": "10600.00",
    "total_amount_upper": "壹万零陆佰圆整",
    "item": "*信息技术服务*软件维护费",
}


def seal_png() -> bytes:
    """A small red oval ring on a transparent background, standing in for a 发票专用章 image."""
    im = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((3, 3, 116, 76), outline=(230, 0, 0, 255), width=5)
    d.ellipse((16, 14, 103, 65), outline=(230, 0, 0, 255), width=2)
    d.rectangle((40, 36, 80, 44), fill=(230, 0, 0, 255))
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def text_obj(obj_id: int, x: float, y: float, w: float, h: float, text: str, size: float = 3.175, font: int = 3,
          color: str | None = None, delta: str | None = None, ctm: str | None = None, cx: float = 0.0) -> str:
    attrs = f'ID="{obj_id}" Boundary="{x} {y} {w} {h}" Font="{font}" Size="{size}"'
    if ctm:
        attrs += f' CTM="{ctm}"'
    fill = f'<ofd:FillColor Value="{color}"/>' if color else ""
    dx = f' DeltaX="{delta}"' if delta else ""
    return f'<ofd:TextObject {attrs}>{fill}<ofd:TextCode X="{cx}" Y="{size * 0.9:.4f}"{dx}>{text}</ofd:TextCode></ofd:TextObject>'


def line_obj(obj_id: int, x: float, y: float, length: float, vertical: bool = False) -> str:
    w, h = (0.3, length) if vertical else (length, 0.3)
    end = f"0 {length}" if vertical else f"{length} 0"
    return (f'<ofd:PathObject ID="{obj_id}" Boundary="{x} {y} {w} {h}" LineWidth="0.3">'
            f"<ofd:AbbreviatedData>M 0 0 L {end}</ofd:AbbreviatedData></ofd:PathObject>")


def page_xml(body: str, template: bool = False) -> str:
    tpl = "" if template else '<ofd:Template TemplateID="2" ZOrder="Background"/>'
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page {NS}><ofd:Area><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox>'
            f'</ofd:Area>{tpl}<ofd:Content><ofd:Layer ID="{50 if template else 100}">{body}</ofd:Layer></ofd:Content></ofd:Page>')


def custom_tags(refs: list[tuple[str, tuple[int, ...]]]) -> str:
    """``Tags/CustomTag.xml``: each tag path (``Buyer/BuyerName``) refers to the TextObjects of page 1 holding it."""
    body = ""
    for path, ids in refs:
        parts = path.split("/")
        inner = "".join(f'<ofd:ObjectRef PageRef="1">{i}</ofd:ObjectRef>' for i in ids)
        body += "".join(f"<ofd:{p}>" for p in parts) + inner + "".join(f"</ofd:{p}>" for p in reversed(parts))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:root {NS}>{body}</ofd:root>'


def invoice_xml(f: dict[str, str], goods: list[dict[str, str]], subtotals: bool = False) -> str:
    """``Attachs/original_invoice.xml``, the invoice as data: number, date, parties, totals and the goods lines (each a
    dict of element name -> text, in order). ``subtotals`` adds 合计金额 and 合计税额."""
    sub = (f'<fp:TaxExclusiveTotalAmount>{f["amount_excl_tax"]}</fp:TaxExclusiveTotalAmount>'
           f'<fp:TaxTotalAmount>{f["tax_amount"]}</fp:TaxTotalAmount>') if subtotals else ""
    lines = "".join("<fp:GoodsInfo>" + "".join(f"<fp:{k}>{v}</fp:{k}>" for k, v in g.items()) + "</fp:GoodsInfo>"
                    for g in goods)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<fp:eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">'
        f'<fp:InvoiceNo>{f["invoice_number"]}</fp:InvoiceNo><fp:IssueDate>{f["issue_date_printed"]}</fp:IssueDate>'
        f'<fp:Buyer><fp:BuyerName>{f["buyer_name"]}</fp:BuyerName><fp:BuyerTaxID>{f["buyer_tax_id"]}</fp:BuyerTaxID></fp:Buyer>'
        f'<fp:Seller><fp:SellerName>{f["seller_name"]}</fp:SellerName><fp:SellerTaxID>{f["seller_tax_id"]}</fp:SellerTaxID></fp:Seller>'
        f'{sub}<fp:TaxInclusiveTotalAmount>{f["total_amount"]}</fp:TaxInclusiveTotalAmount>'
        f"<fp:GoodsInfos>{lines}</fp:GoodsInfos></fp:eInvoice>")


def package_members(f: dict[str, str], template: str, page: str, tags: str, attachment: str, seal: bytes,
                    drawer: str = "测试员", doc_id: str = "fixture0001", creator: str = "make_ofd_fixture"
                    ) -> dict[str, str | bytes]:
    """The members of a one-page invoice OFD (210 x 140 mm): ``OFD.xml`` with the 发票号码 / 开票日期 CustomDatas,
    the document and its resources (fonts 3 = 宋体 and 4 = Courier New, DrawParam 6, ``seal`` as the PNG of
    MultiMedia 90), the template page (ID 2) and the page drawn from the given layer contents (``template``,
    ``page``: TextObjects, PathObjects, ImageObjects), a watermark annotation naming the 开票人 ``drawer``, the custom
    tags ``tags`` and the ``attachment`` as ``original_invoice.xml``."""
    brown = "154 80 40"
    return {
        "OFD.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD {NS} DocType="OFD" Version="1.0"><ofd:DocBody>'
                    f"<ofd:DocInfo><ofd:DocID>{doc_id}</ofd:DocID><ofd:Creator>{creator}</ofd:Creator>"
                    f"<ofd:CreationDate>{f['issue_date']}</ofd:CreationDate><ofd:CustomDatas>"
                    f'<ofd:CustomData Name="发票号码">{f["invoice_number"]}</ofd:CustomData>'
                    f'<ofd:CustomData Name="开票日期">{f["issue_date_printed"]}</ofd:CustomData>'
                    "</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"),
        "Doc_0/Document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>200</ofd:MaxUnitID>'
            "<ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
            '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
            '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
            "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"
            "<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags></ofd:Document>"),
        "Doc_0/PublicRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res {NS}><ofd:ColorSpaces><ofd:ColorSpace ID="5" Type="RGB"/>'
            '</ofd:ColorSpaces><ofd:DrawParams><ofd:DrawParam ID="6" LineWidth="0.3"><ofd:StrokeColor Value="154 80 40"/>'
            '</ofd:DrawParam></ofd:DrawParams><ofd:Fonts><ofd:Font ID="3" FontName="宋体" FamilyName="SimSun"/>'
            '<ofd:Font ID="4" FontName="Courier New"/></ofd:Fonts></ofd:Res>'),
        "Doc_0/DocumentRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias>'
            '<ofd:MultiMedia ID="90" Type="Image" Format="PNG"><ofd:MediaFile>seal.png</ofd:MediaFile></ofd:MultiMedia>'
            "</ofd:MultiMedias></ofd:Res>"),
        "Doc_0/Res/seal.png": seal,
        "Doc_0/Tpls/Tpl_0/Content.xml": page_xml(template.replace("<ofd:PathObject", '<ofd:PathObject DrawParam="6"'),
                                                 template=True),
        "Doc_0/Pages/Page_0/Content.xml": page_xml(page),
        "Doc_0/Annots/Annotations.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Annotations {NS}><ofd:Page PageID="1">'
                                         "<ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>"),
        "Doc_0/Annots/Page_0/Annotation.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:PageAnnot {NS}><ofd:Annot Type="Watermark" ID="120">'
            '<ofd:Appearance Boundary="8 128 60 6">'
            + text_obj(121, 0, 0, 60, 6, f"开票人：{drawer}", color=brown) + "</ofd:Appearance></ofd:Annot></ofd:PageAnnot>"),
        "Doc_0/Tags/CustomTags.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:CustomTags {NS}><ofd:CustomTag TypeID="root">'
                                      "<ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>"),
        "Doc_0/Tags/CustomTag.xml": tags,
        "Doc_0/Attachs/Attachments.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Attachments {NS}><ofd:Attachment ID="130" Name="original_invoice"'
            ' Format="xml"><ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>'),
        "Doc_0/Attachs/original_invoice.xml": attachment,
    }


def members() -> dict[str, str | bytes]:
    f = FIELDS
    brown = "154 80 40"
    template = "".join([
        text_obj(10, 65, 6, 80, 9, "电子发票（增值税专用发票）", size=6.0, color=brown),
        line_obj(11, 65, 17.5, 80),
        line_obj(12, 5, 30, 200), line_obj(13, 5, 52, 200), line_obj(14, 5, 96, 200), line_obj(15, 5, 124, 200),
        line_obj(16, 5, 30, 94, vertical=True), line_obj(17, 205, 30, 94, vertical=True),
        line_obj(18, 105, 30, 22, vertical=True),
        text_obj(19, 150, 10, 18, 5, "发票号码：", color=brown), text_obj(20, 150, 16, 18, 5, "开票日期：", color=brown),
        text_obj(21, 8, 34, 12, 5, "名称：", color=brown), text_obj(22, 108, 34, 12, 5, "名称：", color=brown),
        text_obj(23, 8, 43, 40, 5, "纳税人识别号：", color=brown), text_obj(24, 108, 43, 40, 5, "纳税人识别号：", color=brown),
        text_obj(25, 20, 98, 40, 5, "价税合计（大写）", color=brown), text_obj(26, 150, 98, 14, 5, "（小写）", color=brown),
    ])
    page = "".join([
        text_obj(101, 168, 10, 38, 5, f["invoice_number"], delta="g 19 1.5875"),
        text_obj(102, 168, 16, 38, 5, f["issue_date_printed"], delta="g 4 1.5875 3.175 g 2 1.5875 3.175 g 2 1.5875"),
        text_obj(103, 20, 34, 80, 5, f["buyer_name"]),
        text_obj(104, 31, 43, 50, 5, f["buyer_tax_id"], font=4),
        text_obj(105, 120, 34, 80, 5, f["seller_name"]),
        text_obj(106, 131, 43, 50, 5, f["seller_tax_id"], font=4),
        text_obj(107, 8, 58, 60, 5, f["item"]),
        text_obj(108, 120, 58, 25, 5, f["amount_excl_tax"]),
        text_obj(109, 150, 58, 10, 5, "6%"),
        text_obj(110, 175, 58, 25, 5, f["tax_amount"]),
        text_obj(111, 60, 98, 60, 5, f["total_amount_upper"]),
        text_obj(112, 164, 98, 40, 5, "¥", font=4),  # the sign and the amount in two objects, as producers do
        text_obj(113, 164, 98, 40, 5, f["total_amount"], cx=2.3),
        text_obj(114, 207, 40, 3.5, 30, "下载次数：1", size=2.5, ctm="0 1 -1 0 3.5 0", color="128 128 128"),
        '<ofd:ImageObject ID="115" Boundary="150 100 30 20" CTM="30 0 0 20 0 0" ResourceID="90"/>',
    ])
    tags = custom_tags([("InvoiceNo", (101,)), ("IssueDate", (102,)), ("Buyer/BuyerName", (103,)),
                        ("Seller/SellerName", (105,)), ("TaxInclusiveTotalAmount", (112, 113))])
    goods = [{"Item": f["item"], "Amount": a, "TaxScheme": "6%"} for a in ("6000.00", "4000.00")]
    return package_members(f, template, page, tags, invoice_xml(f, goods), seal_png())


def without_namespace(xml: str) -> str:
    return xml.replace(f" {NS}", "").replace("<ofd:", "<").replace("</ofd:", "</")


def package(files: dict[str, str | bytes], date_time: tuple[int, ...] = (2024, 6, 18, 0, 0, 0)) -> bytes:
    """The OFD zip, deflated, every member stamped ``date_time`` (reproducible bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    files = members()
    nons = {k: without_namespace(v) if isinstance(v, str) else v for k, v in files.items()}
    truth = {k: v for k, v in FIELDS.items() if k not in ("issue_date_printed", "item")}
    truth["items"] = [{"name": FIELDS["item"], "amount": FIELDS["amount_excl_tax"], "tax_rate": "6%"}]
    label = {"doc_type": "invoice", "pages": 1, "fields": truth,
             "seals": [{"type": "invoice", "shape": "oval", "owner": None, "code": None}],
             "notes": "synthetic; generated by scripts/make_ofd_fixture.py"}
    for name, content in (("synthetic_invoice", files), ("synthetic_invoice_nons", nons)):
        data = package(content)
        (OUT / f"{name}.ofd").write_bytes(data)
        (OUT / f"{name}.json").write_text(json.dumps({"file": f"{name}.ofd", **label}, ensure_ascii=False, indent=1) + "\n")
        print(f"{OUT / name}.ofd: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
