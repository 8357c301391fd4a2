"""Extraction from photographed, scanned and faxed layouts as OCR reads them (no OCR, no weights): labels split or with
a character lost or misread, party blocks told apart by their markers and zones, rows that tilt, goods tables without
their 金额 header or with misread rates, 大写 words with one misread character. Lines are built as in
test_extract_layout.py; each test pins one behaviour of pipeline/extract (layout, parties, goods, kinds)."""

from __future__ import annotations

import pytest

from pipeline.extract import Extractor
from pipeline.extract.goods import item_name, repair_rate
from pipeline.extract.kinds import kind_and_copy
from pipeline.extract.layout import Line, lines_of, merge_split_labels, row_slope
from pipeline.types import BBox, Page, PageKind, Provenance, TextLine, TextSource

P = Provenance(stage="test")


def line(text, x0, y0, x1=None, h=30):
    x1 = x1 if x1 is not None else x0 + 30 * len(text)
    return TextLine(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y0 + h), confidence=0.99, source=TextSource.ocr,
                    provenance=P)


def page(*lines, w=2000, h=1400, kind=PageKind.scanned):
    return Page(file_id="f", index=0, width=w, height=h, dpi=200, kind=kind, lines=tuple(lines), provenance=P)


@pytest.fixture(scope="module")
def extract():
    return Extractor()


def values(fields):
    return {f.name: f.value for f in fields}


def paper_invoice(*, buyer_label=("称", 400), seller_label=("名称", 364), tax_label="的税人识别号:", seller_name=True,
                  words="伍拾痢万肆仟圆整", total="(小)V584000.00", number="No 48044228"):
    """A 专用发票 photo as OCR read sz_cap_two_providers/C1/invoice_1.jpg: the buyer's 名 lost, 纳 misread, the 购买方
    marker read as 买 and 方 only, the seller marker lost, the 大写 words with one character misread, ¥ read as V."""
    out = [line("广东增值税专用发票", 650, 40, h=50), line("票联", 780, 100), line(number, 1020, 45),
           line("开票日期:", 1020, 130), line("2025年01月24日", 1170, 130),
           line(buyer_label[0], buyer_label[1], 180, h=24), line("深圳市铭衡精密仪器有限公司", 470, 180),
           line("纳税人识别号", 358, 215), line("91440300MAP8T90C0B", 470, 215),
           line("买", 332, 235), line("地址、电话:", 358, 245), line("方", 332, 270),
           line("货物或应税劳务、服务名称", 378, 320), line("规格型号", 800, 320), line("单位", 920, 320),
           line("合", 439, 480), line("V516814.16", 996, 475), line("¥67185.84", 1300, 470),
           line("价税合计(大写)", 405, 520), line(words, 640, 520), line(total, 1000, 515)]
    if seller_label:
        out.append(line(seller_label[0], seller_label[1], 570))
    if seller_name:
        out.append(line("东莞市瑞达数字科技股份有限公司", 470, 570))
    out += [line(tax_label, 361, 605), line("91441900202274720Y", 474, 605), line("地址、电话:", 362, 640)]
    return page(*out)


def test_buyer_and_seller_blocks_from_markers_and_zones_with_split_and_misread_labels(extract):
    got = values(extract("invoice", [paper_invoice()]))
    assert got["buyer_name"] == "深圳市铭衡精密仪器有限公司" and got["seller_name"] == "东莞市瑞达数字科技股份有限公司"
    assert got["buyer_tax_id"] == "91440300MAP8T90C0B" and got["seller_tax_id"] == "91441900202274720Y"


@pytest.mark.parametrize("printed", ["No 48044228", "N0 48044228", "Ne 48044228", "Ng 48044228", "Nº48044228"])
def test_invoice_number_after_the_small_raised_o_of_no_however_it_is_read(extract, printed):
    assert values(extract("invoice", [paper_invoice(number=printed)]))["invoice_number"] == "48044228"


def test_currency_sign_read_as_v_and_a_lost_character_of_the_total_labels(extract):
    got = values(extract("invoice", [paper_invoice()]))
    assert got["total_amount"] == "584000.00"
    assert got["amount_excl_tax"] == "516814.16" and got["tax_amount"] == "67185.84"


def test_upper_words_with_one_misread_character_mended_against_the_figures(extract):
    fields = {f.name: f for f in extract("invoice", [paper_invoice()])}
    words = fields["total_amount_upper"]
    assert words.value == "伍拾捌万肆仟圆整" and words.provenance.engine == "derived" and words.confidence < 0.8


def test_upper_words_that_disagree_with_the_figures_stay_unread(extract):
    got = values(extract("invoice", [paper_invoice(total="(小)V500000.00")]))
    assert got["total_amount"] == "500000.00" and got["total_amount_upper"] is None


def test_copy_name_with_a_character_lost(extract):
    got = values(extract("invoice", [paper_invoice()]))
    assert got["invoice_kind"] == "vat_special" and got["copy_type"] == "invoice_copy"


def test_a_name_whose_label_is_lost_is_the_line_above_its_tax_id(extract):
    fields = {f.name: f for f in extract("invoice", [paper_invoice(seller_label=None)])}
    assert fields["seller_name"].value == "东莞市瑞达数字科技股份有限公司"
    assert fields["seller_name"].provenance.engine == "derived" and fields["seller_name"].confidence < 0.8
    assert fields["buyer_name"].value == "深圳市铭衡精密仪器有限公司"


def test_a_party_never_gets_the_other_partys_value(extract):
    # the seller's name and its label both lost: the buyer's name is not the seller's
    got = values(extract("invoice", [paper_invoice(seller_label=None, seller_name=False)]))
    assert got["buyer_name"] == "深圳市铭衡精密仪器有限公司" and got["seller_name"] is None


def test_side_by_side_blocks_the_other_partys_row_gives_a_lost_label(extract):
    p = page(line("中国工商银行网上银行电子回单", 550, 40), line("付", 296, 150), line("深圳市海启精密仪器有限公司", 427, 145),
             line("收", 776, 150), line("户", 828, 145), line("名", 860, 145), line("东莞市睿川数据服务有限责任公司", 906, 145),
             line("故", 300, 190), line("账", 350, 190), line("5913898716908797103", 426, 190), line("故", 776, 190),
             line("88512707581182140", 908, 190), line("人", 300, 230), line("开户银行", 339, 230),
             line("中国工商银行股份有限公司深圳宝安支行", 424, 230, 738), line("人", 777, 230), line("开户银行", 819, 230),
             line("中国农业银行股份有限公司东莞塘厦支行", 909, 230, 1222), line("交易流水号", 310, 300),
             line("1887492430825416089287", 434, 300))
    got = values(extract("bank_slip", [p]))
    assert got["payer_name"] == "深圳市海启精密仪器有限公司" and got["payee_name"] == "东莞市睿川数据服务有限责任公司"
    assert got["payer_account"] == "5913898716908797103" and got["payee_account"] == "88512707581182140"
    assert got["payer_bank"] == "中国工商银行股份有限公司深圳宝安支行"
    assert got["payee_bank"] == "中国农业银行股份有限公司东莞塘厦支行"


def test_a_block_marker_does_not_join_the_label_beside_it():
    mk = lambda t, x0, x1: Line(t, t, BBox(x0=x0, y0=258, x1=x1, y1=290), 1.0, 0)  # noqa: E731
    labels = {"购", "名", "名称:", "称:"}
    is_label = lambda s: s in labels or s.endswith(":")  # noqa: E731
    length = lambda s: 2 if s.startswith("名称") else 0  # noqa: E731
    assert [l.text for l in merge_split_labels([mk("购", 45, 70), mk("名称:", 89, 164)], is_label, length)] == \
        ["购", "名称:"]
    assert [l.text for l in merge_split_labels([mk("名", 296, 330), mk("称:", 400, 450)], is_label, length)] == \
        ["名称:"]


def tilted(slope=0.04):
    """A photo taken at an angle: every line drops ``slope`` pixels per pixel to the right."""
    rows = [("合", 440, 700), ("¥236946.90", 1990, 700), ("¥26253.10", 2490, 700),
            ("价税合计(大写)", 590, 770), ("贰拾陆万叁仟贰佰圆整", 1040, 770), ("(小写)¥263200.00", 1920, 770),
            ("名", 508, 840), ("称:", 587, 840), ("东莞市祥凌云计算有限责任公司", 730, 840),
            ("纳税人识别号:", 494, 890), ("91441900MAMP419F4F", 730, 890)]
    return page(*(line(t, x, y + slope * x, h=60) for t, x, y in rows), w=3147, h=2449)


def test_rows_that_tilt_are_levelled_and_regions_stay_on_the_pixels_read(extract):
    p = tilted()
    assert row_slope([l.bbox for l in p.lines]) == pytest.approx(0.04, abs=0.003)
    fields = {f.name: f for f in extract("invoice", [p])}
    assert fields["amount_excl_tax"].value == "236946.90" and fields["tax_amount"].value == "26253.10"
    amount_line = next(l for l in p.lines if l.text == "¥236946.90")
    assert fields["amount_excl_tax"].region.bbox == amount_line.bbox


def test_text_layer_pages_are_never_levelled():
    p = page(*tilted().lines, kind=PageKind.digital)
    assert all(l.dy == 0 for l in lines_of([p]))


def goods_page(*rows, header=("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"),
               h=20):
    xs = (300, 610, 700, 770, 880, 1000, 1080, 1190)
    out = [line(t, x, 460, x + 25 * len(t), h=25) for t, x in zip(header, xs) if t]
    for k, cells in enumerate(rows):
        y = 495 + 22 * k
        out += [line(t, x, y, x + (8 if t[0].isdigit() or t[0] in "¥V" else 14) * len(t), h=h)
                for t, x in zip(cells, (327, None, None, None, 880, 1008, 1083, 1191)) if t and x is not None]
    y = 495 + 22 * len(rows) + 40
    out += [line("合", 439, y, 460, h=20), line("¥516814.16", 996, y, 1082, h=20),
            line("¥67185.84", 1177, y, 1253, h=20), line("价税合计(大写)", 405, y + 30, 528, h=30)]
    return page(*out)


ROWS = (("“软件“制造执行系统(MES)软件", "", "", "", "283185.84", "283185.84", "138", "36814.16"),
        ("“软件“高级计划与排程(APS)系统", "", "", "", "159292.04", "159292.04", "1N", "20707.96"),
        ("·计算机外部设备“边缘计算服务器", "", "", "", "37168.14", "74336.28", "138", "9663.72"))
WANT = [{"name": "*软件*制造执行系统(MES)软件", "amount": "283185.84", "tax_rate": "13%"},
        {"name": "*软件*高级计划与排程(APS)系统", "amount": "159292.04", "tax_rate": "13%"},
        {"name": "*计算机外部设备*边缘计算服务器", "amount": "74336.28", "tax_rate": "13%"}]


def items(fields):
    got = values(fields)
    n = len({k.split(".")[1] for k in got if k.startswith("items.")})
    return [{k: got[f"items.{i}.{k}"] for k in ("name", "amount", "tax_rate")} for i in range(n)]


def test_goods_lines_with_misread_rates_and_stars(extract):
    assert items(extract("invoice", [goods_page(*ROWS)])) == WANT


def test_goods_table_whose_amount_and_rate_headers_were_not_read(extract):
    p = goods_page(*ROWS, header=("货物或应税劳务、服务名称", "规格型号", "单位", "教量", "", "", "视水", ""))
    assert items(extract("invoice", [p])) == WANT


def test_goods_rate_unread_is_the_one_the_figures_agree_on_and_a_lone_ji_ends_the_table(extract):
    rows = [r[:6] + ("", r[7]) for r in ROWS]
    p = goods_page(*rows)
    p = p.model_copy(update={"lines": tuple(l if l.text != "合" else l.model_copy(update={"text": "计"})
                                            for l in p.lines)})
    assert items(extract("invoice", [p])) == WANT


def test_an_amount_with_a_digit_lost_is_completed_from_the_total_row(extract):
    rows = list(ROWS)
    rows[1] = rows[1][:5] + ("159292.0",) + rows[1][6:]
    fields = {f.name: f for f in extract("invoice", [goods_page(*rows)])}
    assert items(fields.values()) == WANT and fields["items.1.amount"].confidence < 0.8


def test_a_row_whose_tax_disagrees_keeps_its_values_at_half_confidence(extract):
    rows = list(ROWS)
    rows[0] = rows[0][:6] + ("13%", "36814.99")
    fields = {f.name: f for f in extract("invoice", [goods_page(*rows)])}
    assert items(fields.values()) == WANT
    assert fields["items.0.amount"].confidence < 0.5 < fields["items.2.amount"].confidence


def test_tightly_packed_rows_a_rate_not_read_is_not_the_row_aboves(extract):
    rows = [ROWS[0][:6] + ("13%", ROWS[0][7]), ("*信息技术服务*系统实施服务", "", "", "", "28037.74", "28037.74", "", "1682.26")]
    got = items(extract("invoice", [goods_page(*rows, h=30)]))  # rows 22 px apart, lines 30 px tall
    assert [i["tax_rate"] for i in got] == ["13%", "6%"]  # the 6% from the row's own figures, not the 13% above


@pytest.mark.parametrize("text,amount,tax,want", [
    ("138", "283185.84", "36814.16", "13%"), ("1N", "159292.04", "20707.96", "13%"),
    ("68", "66886.79", "4013.21", "6%"),
    (None, "19115.04", "2484.96", "13%"),  # not read at all: the figures alone
    ("68", "283185.84", "36814.16", None),  # the readable 6 disagrees with the figures (13%)
    ("免税", "1000.00", "0.00", None), ("138", "283185.84", None, None),
])
def test_repair_rate(text, amount, tax, want):
    assert repair_rate(text, amount, tax) == want


def test_item_names_keep_the_starred_short_name():
    cats = ("软件", "计算机外部设备")
    assert item_name("软件*高级计划与排程(APS)系统") == "*软件*高级计划与排程(APS)系统"
    assert item_name("“软件“制造执行系统", cats) == "*软件*制造执行系统"
    assert item_name("计算机外部设备·工业交换机", cats) == "*计算机外部设备*工业交换机"
    assert item_name("计算机外部设备边缘计算服务器", cats, table_starred=True) == "*计算机外部设备*边缘计算服务器"
    assert item_name("计算机外部设备边缘计算服务器", cats) == "计算机外部设备边缘计算服务器"  # no starred names: as read
    assert item_name("“智慧”园区管理平台", cats) == "“智慧”园区管理平台"  # a quoted word is no 简称
    assert item_name("技术服务费·A型", cats, table_starred=True) == "技术服务费·A型"
    assert item_name("计算机", cats, table_starred=True) == "计算机"


def test_margin_text_is_not_part_of_an_item_name(extract):
    p = goods_page(*ROWS)
    p = p.model_copy(update={"lines": p.lines + (line("税总函[2018]670号西安印钞有限公司", 91, 480, 184, h=600),)})
    assert [i["name"] for i in items(extract("invoice", [p]))] == [w["name"] for w in WANT]


def test_kind_and_copy_from_a_damaged_title_and_copy_name():
    pg = lambda *ts: page(*(line(t, 100, 100 + 40 * k) for k, t in enumerate(ts)))  # noqa: E731
    assert kind_and_copy("代开", pg("第二联:抵扣联购买方扣稅凭证")) == ("vat_special", "deduction_copy")
    assert kind_and_copy("四川增值税電子普通发票", pg("发票代码")) == ("vat_e_normal", None)
    assert kind_and_copy("发票国统", pg("此联不作", "报销务总拍税究证使用")) == ("other", "bookkeeping_copy")


def test_invoice_number_run_into_the_code_is_read_from_its_own_line(extract):
    p = page(line("5100191160", 458, 420), line("No 004727035100191160", 2037, 430, 2805, h=90),
             line("00472703", 2533, 511, 2789, h=60), line("开票日期:2019年06月14日", 2126, 592))
    assert values(extract("invoice", [p]))["invoice_number"] == "00472703"
    p = page(line("No 004727035100191160", 2037, 430, 2805, h=90))
    assert values(extract("invoice", [p]))["invoice_number"] == "004727035100191160"  # as printed, for X-07


@pytest.mark.parametrize("body,message", [
    ("parties:\n  buyer: {markers: '^购'}\nfields:\n  buyer_name: {party: seller}\n", "buyer_name: unknown party"),
    ("fields:\n  buyer_name: {above_of: buyer_tax_id}\n", "buyer_name: above_of names no field"),
    ("fields:\n  invoice_number: {lenient: nope}\n", "invoice_number: .*unknown normaliser"),
])
def test_a_spec_naming_an_unknown_party_field_or_normaliser_fails_at_load(tmp_path, body, message):
    from pipeline.extract import SpecError, load_specs

    (tmp_path / "invoice.yaml").write_text("doc_type: invoice\n" + body, encoding="utf-8")
    with pytest.raises(SpecError, match=f"invoice.yaml: .*{message}"):
        load_specs(tmp_path)
