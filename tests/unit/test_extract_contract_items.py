"""Contract item tables from synthetic layouts (no OCR, no weights): wrapped names (top-aligned and vertically centred
cells), subscription periods, tables without 产品编号 / 服务期限 / 类别 columns, a separate 单位 column, a digit lost by
OCR, an amount misread, and invoices keeping their own item keys."""

from __future__ import annotations

import pytest

from pipeline.extract import Extractor
from pipeline.extract.contract_items import KEYS
from pipeline.extract.shape import fields_dict
from pipeline.types import BBox, Page, PageKind, Provenance, TextLine, TextSource

P = Provenance(stage="test")
H = 30  # line height in pixels


def text_width(text):
    return sum(13 if ord(ch) < 128 else 26 for ch in text)  # Latin letters and digits half as wide as Chinese


def line(text, x0, y0, x1=None, conf=0.99):
    x1 = x1 if x1 is not None else x0 + text_width(text)
    return TextLine(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y0 + H), confidence=conf, source=TextSource.ocr,
                    provenance=P)


def page(*lines):
    return Page(file_id="f", index=0, width=2000, height=2400, dpi=200, kind=PageKind.scanned, lines=tuple(lines),
                provenance=P)


def cell(text, left, width, y, align="c"):
    """A cell's text placed as a table renderer does: left-aligned (names), centred, or right-aligned (money)."""
    w = text_width(text)
    x0 = left + 6 if align == "l" else left + width - 6 - w if align == "r" else left + (width - w) / 2
    return line(text, x0, y, x0 + w)


# Shenzhen layout: 序号 | 产品名称 | 产品编号 | 类别 | 服务期限 | 数量 | 单价（元） | 金额（元）
SZ_COLS = [("序号", 100, 80), ("产品名称", 180, 420), ("产品编号", 600, 260), ("类别", 860, 110),
           ("服务期限", 970, 330), ("数量", 1300, 120), ("单价（元）", 1420, 220), ("金额（元）", 1640, 240)]


def sz_row(y, cells, name_lines=(), name_y=None):
    """One row at ``y``: every cell but the name at ``y``; the name's lines from ``name_y`` (wrapped: several)."""
    out = []
    for (head, left, width), text in zip(SZ_COLS, cells):
        if head == "产品名称":
            for k, part in enumerate(name_lines):
                out.append(cell(part, left, width, (name_y if name_y is not None else y) + k * 36, "l"))
        elif text:
            out.append(cell(text, left, width, y, "r" if "元" in head else "c"))
    return out


def sz_header(y=400):
    return [cell(h, left, width, y) for h, left, width in SZ_COLS]


def items(fields):
    return fields_dict(fields).get("items", [])


@pytest.fixture(scope="module")
def extract():
    return Extractor()


def test_shenzhen_table_with_wrapped_names_and_subscription_period(extract):
    p = page(
        line("第一条 合同标的及价款", 100, 300),
        *sz_header(),
        # top-aligned cells: the name runs on to a second line below the row's other cells
        *sz_row(470, ["1", None, "KP-CL-445113", "软件", "2025.03.01-2026.02.28", "1年", "120,000.00", "120,000.00"],
                ["企业资源计划（ERP）云平", "台订阅"]),
        *sz_row(580, ["2", None, "KP-SW-760945", "软件", "—", "1套", "150,000.00", "150,000.00"], ["设备物联管理平台"]),
        *sz_row(650, ["3", None, "KP-HW-554581", "硬件", "—", "10台", "4,500.00", "45,000.00"], ["工业数据采集网关"]),
        *sz_row(720, ["4", None, "KP-SV-415552", "服务", "—", "1项", "105,000.00", "105,000.00"], ["系统实施服务"]),
        line("合计（含税）", 186, 790), cell("420,000.00", 1640, 240, 790, "r"),
        line("合同总价款（含增值税）为大写：人民币肆拾贰万元整（小写：¥420,000.00）。", 100, 860, 1900),
    )
    fields = extract("contract", [p])
    got = items(fields)
    assert got == [
        {"name": "企业资源计划(ERP)云平台订阅", "product_id": "KP-CL-445113", "kind": "software", "quantity": "1",
         "unit": "年", "unit_price": "120000.00", "amount": "120000.00", "period_start": "2025-03-01",
         "period_end": "2026-02-28"},
        {"name": "设备物联管理平台", "product_id": "KP-SW-760945", "kind": "software", "quantity": "1", "unit": "套",
         "unit_price": "150000.00", "amount": "150000.00", "period_start": None, "period_end": None},
        {"name": "工业数据采集网关", "product_id": "KP-HW-554581", "kind": "hardware", "quantity": "10", "unit": "台",
         "unit_price": "4500.00", "amount": "45000.00", "period_start": None, "period_end": None},
        {"name": "系统实施服务", "product_id": "KP-SV-415552", "kind": "service", "quantity": "1", "unit": "项",
         "unit_price": "105000.00", "amount": "105000.00", "period_start": None, "period_end": None},
    ]
    by = {f.name: f for f in fields}
    name = by["items.0.name"]  # every cell keeps its raw text and the region of its own lines
    assert name.raw == "企业资源计划（ERP）云平台订阅" and name.region.bbox.y0 == 470 and name.region.bbox.y1 == 470 + 36 + H
    assert by["items.0.period_end"].region.bbox.x0 > 970 and by["items.0.period_end"].raw == "2025.03.01-2026.02.28"
    assert by["items.1.product_id"].region.bbox.x0 > 600 and by["items.1.period_start"].raw == "—"
    assert all(0 < by[f"items.{i}.{k}"].confidence <= 1 for i in range(4) for k in KEYS if k not in ("period_start",
                                                                                                   "period_end"))
    assert fields_dict(fields)["total_amount"] == "420000.00"  # the document's other fields are still read


def test_vertically_centred_cells_with_names_and_periods_wrapped_over_lines(extract):
    # each cell centred in a tall row: a two-line name straddles its amount, a period wraps after its dash
    p = page(
        *sz_header(),
        *sz_row(500, ["1", None, "AB-CL-000001", "软件", None, "1年", "36,000.00", "36,000.00"],
                ["能耗管理SaaS服务订", "阅（标准版）"], name_y=482),
        cell("2024.07.01-", 970, 330, 482), cell("2025.06.30", 970, 330, 518),
        *sz_row(620, ["2", None, "AB-HW-000002", "硬件", "—", "2台", "38,000.00", "76,000.00"],
                ["边缘计算服务器（含", "GPU加速卡）"], name_y=602),
        *sz_row(720, ["3", None, "AB-SV-000003", "服务", "—", "1项", "50,000.00", "50,000.00"], ["现场部署及培训服务"]),
        line("合计（含税）", 186, 800), cell("162,000.00", 1640, 240, 800, "r"),
    )
    got = items(extract("contract", [p]))
    assert [(i["name"], i["kind"], i["period_start"], i["period_end"]) for i in got] == [
        ("能耗管理SaaS服务订阅(标准版)", "software", "2024-07-01", "2025-06-30"),
        ("边缘计算服务器(含GPU加速卡)", "hardware", None, None),
        ("现场部署及培训服务", "service", None, None),
    ]
    assert [(i["quantity"], i["unit"], i["unit_price"], i["amount"]) for i in got] == [
        ("1", "年", "36000.00", "36000.00"), ("2", "台", "38000.00", "76000.00"), ("1", "项", "50000.00", "50000.00")]


def test_beijing_table_without_product_id_period_or_category_infers_the_kind_from_the_name(extract):
    # 序号 | 产品名称 | 单位 | 数量 | 单价 | 金额: no 产品编号, no 服务期限, no 类别; the unit in a column of its own
    cols = [("序号", 100, 80), ("产品名称", 180, 700), ("单位", 880, 120), ("数量", 1000, 120), ("单价（元）", 1120, 260),
            ("金额（元）", 1380, 300)]
    rows = [("1", "制造执行系统（MES）软件", "套", "1", "480,000.00", "480,000.00"),
            ("2", "边缘计算服务器", "台", "5", "52,000.00", "260,000.00"),
            ("3", "工业数据采集网关", "台", "20", "6,000.00", "120,000.00"),
            ("4", "RFID读写器", "台", "12", "2,500.00", "30,000.00"),
            ("5", "数据迁移与接口开发服务", "项", "1", "90,000.00", "90,000.00")]
    lines = [cell(h, left, w, 400) for h, left, w in cols]
    for r, row in enumerate(rows):
        y = 470 + 60 * r
        for (h, left, w), text in zip(cols, row):
            lines.append(cell(text, left, w, y, "l" if h == "产品名称" else "r" if "元" in h else "c"))
    lines += [line("合计（含税）", 186, 770), cell("980,000.00", 1380, 300, 770, "r")]
    fields = extract("contract", [page(*lines)])
    got = items(fields)
    assert [(i["name"], i["kind"], i["quantity"], i["unit"], i["unit_price"], i["amount"]) for i in got] == [
        ("制造执行系统(MES)软件", "software", "1", "套", "480000.00", "480000.00"),
        ("边缘计算服务器", "hardware", "5", "台", "52000.00", "260000.00"),
        ("工业数据采集网关", "hardware", "20", "台", "6000.00", "120000.00"),
        ("RFID读写器", "hardware", "12", "台", "2500.00", "30000.00"),  # a short name left of its header
        ("数据迁移与接口开发服务", "service", "1", "项", "90000.00", "90000.00")]
    assert all(i["product_id"] is None and i["period_start"] is None and i["period_end"] is None for i in got)
    kind = next(f for f in fields if f.name == "items.1.kind")
    assert kind.provenance.engine == "derived" and kind.confidence < 0.99  # inferred, not read


def test_a_quantity_digit_lost_and_an_amount_misread_are_recovered_from_the_other_cells(extract):
    p = page(
        *sz_header(),
        *sz_row(470, ["1", None, "—", "软件", "—", "套", "420,000.00", "420,000.00"], ["产品生命周期管理（PLM）软件"]),
        *sz_row(530, ["2", None, "—", "硬件", "—", "30台", "9,600.00", "2,000"], ["工业数据采集网关"]),
        line("合计（含税）", 186, 600), cell("708,000.00", 1640, 240, 600, "r"),
    )
    fields = {f.name: f for f in extract("contract", [p])}
    assert fields["items.0.unit"].value == "套" and fields["items.0.quantity"].value == "1"
    assert fields["items.0.quantity"].provenance.engine == "derived"
    assert fields["items.1.amount"].value == "288000.00" and fields["items.1.amount"].raw == "2,000"
    assert fields["items.1.amount"].provenance.engine == "derived"


def test_invoices_keep_their_own_item_keys(extract):
    p = page(
        line("电子发票(增值税专用发票)", 700, 40),
        line("项目名称", 200, 400), line("数量", 900, 400), line("金额", 1200, 400), line("税率", 1400, 400),
        line("*信息技术服务*系统实施服务", 200, 450), line("1", 900, 450), line("105,000.00", 1150, 450),
        line("6%", 1400, 450),
        line("合计", 200, 520), line("¥105,000.00", 1150, 520),
    )
    got = items(extract("invoice", [p]))
    assert got == [{"name": "*信息技术服务*系统实施服务", "amount": "105000.00", "tax_rate": "6%"}]


def test_a_name_and_product_id_read_as_one_ocr_line_are_split_at_the_product_id_column(extract):
    name, code = "企业资源计划（ERP）云平台订阅", "KP-CL-445113"
    x0 = 186
    joined = line(f"{name} {code}", x0, 470, 600 + 40 + text_width(code))  # the name runs up to its neighbour cell
    p = page(
        *sz_header(), joined,
        *sz_row(470, ["1", None, None, "软件", "2025.03.01-2026.02.28", "1年", "120,000.00", "120,000.00"]),
        line("合计（含税）", 186, 540), cell("120,000.00", 1640, 240, 540, "r"),
    )
    fields = {f.name: f for f in extract("contract", [p])}
    assert fields["items.0.name"].value == "企业资源计划(ERP)云平台订阅"
    assert fields["items.0.product_id"].value == "KP-CL-445113"
    assert fields["items.0.product_id"].region.bbox.x0 > 600  # the split box lies under the 产品编号 header


def test_two_line_headers_and_a_table_running_on_to_the_next_page_without_its_header(extract):
    # 序号 | 名称 | 参数 (several lines, centred) | 单位 | 数量 | 单价 / (元) | 合计 / (元); no 合计 row, the page number below
    cols = [("序号", 100, 100), ("名称", 200, 300), ("参数", 500, 360), ("单位", 860, 110), ("数量", 970, 110),
            ("单价", 1080, 160), ("合计", 1240, 200)]
    head = [cell(h, left, w, 385 if h in ("单价", "合计") else 400) for h, left, w in cols]
    head += [cell("(元)", 1080, 160, 420), cell("(元)", 1240, 200, 420)]

    def row(y, values, params=()):
        out = [cell(v, left, w, y, "l" if h == "名称" else "c") for (h, left, w), v in zip(cols, values) if v]
        top = y - 18 * (len(params) - 1)
        return out + [cell(p, 500, 360, top + 36 * k) for k, p in enumerate(params)]

    p0 = page(line("现将具体设备名称、品牌型号,参数数量、交易金额如下:", 150, 320), *head,
              *row(520, ["1", "笔记本电脑", None, "台", "5", "4,010", "20,050"], ["i3-370M/14.0寸", "2G/320G", "LINUX"]),
              *row(680, ["2", "台式机电脑", None, "台", "6", "4,350", "26,100"], ["i3-2120/2G/500G", "19寸液晶"]),
              line("1", 1000, 2300, 1012))
    p1 = page(*row(200, ["3", "一体机", None, "台", "1", "1,650", "1,650"], ["月打印负荷", "5,000张"]),
              *row(300, ["4", "笔记本内存", None, "条", "2", "90", "180"], ["2GDDR3"]),
              line("报价已含税", 620, 380),
              line("总价大写:人民币肆万捌仟元整(¥47,980.00元)", 300, 440, 1300))
    p1 = p1.model_copy(update={"index": 1})
    got = items(extract("contract", [p0, p1]))
    assert [(i["name"], i["kind"], i["quantity"], i["unit"], i["unit_price"], i["amount"]) for i in got] == [
        ("笔记本电脑", "hardware", "5", "台", "4010.00", "20050.00"),
        ("台式机电脑", "hardware", "6", "台", "4350.00", "26100.00"),
        ("一体机", "hardware", "1", "台", "1650.00", "1650.00"),
        ("笔记本内存", "hardware", "2", "条", "90.00", "180.00")]
