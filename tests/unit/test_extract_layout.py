"""Extraction from synthetic layouts (no OCR, no weights): label -> value to the right / below, split labels, values
in fragments, priority and occurrence of labels, items tables, the embedded fast path, specs as data, signals."""

from __future__ import annotations

import pytest

from pipeline.extract import Extractor, SpecError, load_specs
from pipeline.extract.signals import field_signals, metadata_signals
from pipeline.types import BBox, EmbeddedData, Field, KeyValue, Page, PageKind, Provenance, TextLine, TextSource

P = Provenance(stage="test")


def line(text, x0, y0, x1=None, h=30):
    x1 = x1 if x1 is not None else x0 + 30 * len(text)
    return TextLine(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y0 + h), confidence=0.99, source=TextSource.ocr,
                    provenance=P)


def page(*lines, w=2000, h=1200, index=0):
    return Page(file_id="f", index=index, width=w, height=h, dpi=200, kind=PageKind.scanned, lines=tuple(lines),
                provenance=P)


@pytest.fixture(scope="module")
def extract():
    return Extractor()


def values(fields):
    return {f.name: f.value for f in fields}


def test_invoice_label_value_right_below_and_split_labels(extract):
    p = page(
        line("四川增值税专用发票", 700, 40), line("抵扣联", 850, 100),
        line("发票代码:", 1300, 40), line("5100191160", 1460, 40),
        line("No", 1300, 90), line("01234567", 1380, 90),
        line("开票日期:", 1300, 140), line("2024", 1460, 140, 1530), line("年", 1535, 140, 1560),
        line("03", 1565, 140, 1600), line("月", 1605, 140, 1630), line("05日", 1635, 140, 1700),
        line("名", 180, 280, 215), line("称:", 250, 280, 300), line("北京某某科技有限公司", 390, 280),
        line("纳税人识别号:", 180, 320), line("91110108MAR432TA8U", 390, 320),
        line("名", 180, 790, 215), line("称:", 250, 790, 300), line("成都某某软件有限公司", 390, 790),
        line("纳税人识别号:", 180, 830), line("91510107992700076L", 390, 830),
        line("合", 315, 690, 345), line("计", 385, 690, 415), line("¥375409.90", 1300, 690), line("¥41790.10", 1640, 690),
        line("价税合计(大写)", 260, 740), line("⊗肆拾壹万柒仟贰佰圆整", 620, 740), line("(小写)", 1240, 740),
        line("¥417200.00", 1345, 740),
    )
    got = values(extract("invoice", [p]))
    assert got["invoice_code"] == "5100191160" and got["invoice_number"] == "01234567"
    assert got["issue_date"] == "2024-03-05"
    assert got["buyer_name"] == "北京某某科技有限公司" and got["seller_name"] == "成都某某软件有限公司"
    assert got["buyer_tax_id"] == "91110108MAR432TA8U" and got["seller_tax_id"] == "91510107992700076L"
    assert got["amount_excl_tax"] == "375409.90" and got["tax_amount"] == "41790.10"
    assert got["total_amount"] == "417200.00" and got["total_amount_upper"] == "肆拾壹万柒仟贰佰圆整"
    assert got["invoice_kind"] == "vat_special" and got["copy_type"] == "deduction_copy"


def test_value_below_its_label(extract):
    p = page(line("记账凭证", 600, 40), line("凭证号:记-0068", 1000, 120), line("摘要", 240, 180),
             line("支付HT202501-6250合同款", 90, 236, 340), line("合计:", 90, 500), line("439,500.00", 1000, 500),
             line("439,500.00", 1220, 500))
    got = values(extract("voucher", [p]))
    assert got["summary"] == "支付HT202501-6250合同款" and got["voucher_number"] == "记-0068"
    assert got["total_debit"] == got["total_credit"] == "439500.00"


def test_fields_carry_raw_text_confidence_and_region(extract):
    p = page(line("发票号码:", 1200, 90), line("25322000000622032799", 1340, 90), index=3)
    f = next(f for f in extract("invoice", [p]) if f.name == "invoice_number")
    assert f.raw == "25322000000622032799" and 0 < f.confidence <= 1
    assert f.region.page == 3 and f.region.bbox.x0 == 1340


def test_items_table_with_wrapped_names_and_joined_rate():
    p = page(
        line("货物或应税劳务、服务名称", 220, 460, 510), line("单价", 1070, 460, 1145), line("金额", 1280, 460, 1355),
        line("税率", 1435, 460, 1505), line("税额", 1600, 460, 1670),
        line("*软件*高级计划与排程(APS)", 150, 500, 540), line("211504.42", 1318, 500, 1446), line("13%", 1456, 500, 1513),
        line("系统", 150, 532, 210),
        line("*信息技术服务*实施服务", 150, 570, 540), line("13773.58", 1318, 570, 1440), line("6%", 1464, 570, 1505),
        line("*计算机外部设备*交换机", 150, 610, 540), line("3539.8213%", 1290, 610, 1510),
        line("合计", 315, 690, 400),
    )
    got = values(Extractor()("invoice", [p]))
    assert got["items.0.name"] == "*软件*高级计划与排程(APS)系统" and got["items.0.tax_rate"] == "13%"
    assert got["items.1.amount"] == "13773.58" and got["items.1.tax_rate"] == "6%"
    assert got["items.2.amount"] == "3539.82" and got["items.2.tax_rate"] == "13%"


def test_embedded_invoice_data_is_the_fast_path(extract):
    kvs = [
        ("eInvoice/InvoiceNo", "12235358"), ("eInvoice/InvoiceCode", "050001700111"), ("IssueDate", "2020年08月05日"),
        ("Buyer/BuyerName", "个人"), ("Seller/SellerName", "瑞信天下科技有限公司"),
        ("Seller/SellerTaxID", "91500102563638729E"), ("TaxInclusiveTotalAmount", "¥10600.00"),
        ("GoodsInfos/GoodsInfo[1]/Item", "*餐饮服务*餐费"), ("GoodsInfos/GoodsInfo[1]/Amount", "100.00"),
        ("GoodsInfos/GoodsInfo[1]/TaxScheme", "6%")]
    entries = tuple(KeyValue(key=k, value=v) for k, v in kvs)
    emb = (EmbeddedData(name="custom_tag:CustomTag.xml", provenance=P, entries=entries),)
    fields = extract("invoice", [page()], emb)
    got = values(fields)
    assert got["invoice_number"] == "12235358" and got["issue_date"] == "2020-08-05" and got["buyer_name"] == "个人"
    assert got["total_amount"] == "10600.00" and got["items.0.name"] == "*餐饮服务*餐费"
    assert next(f for f in fields if f.name == "invoice_number").provenance.engine.startswith("embedded")


def test_contract_party_blocks_and_prose_patterns(extract):
    p = page(line("某某系统采购及实施合同", 250, 190), line("合同编号:HT202306-2003", 1100, 285),
             line("甲方(需方):北京甲公司有限公司", 180, 356), line("统一社会信用代码:91110108MAR432TA8U", 175, 404),
             line("法定代表人:徐英华", 177, 456), line("乙方(供方):成都乙公司有限公司", 180, 629),
             line("统一社会信用代码:91510107992700076L", 177, 677), line("法定代表人:田洋", 177, 731),
             line("开户银行:交通银行股份有限公司成都高新支行", 180, 884), line("银行账号:125653729567496269650", 177, 936),
             line("合同总价款(含增值税)为大写:人民币肆拾壹万柒仟贰佰元整(小写:¥417,200.00)。", 180, 1000),
             line("其中:软件产品费用¥330,600.00,硬件设备费用¥72,000.00,实施服务费用¥14,600.00。", 177, 1050),
             line("服务期限自2023年07月04日起至2024年07月02日止。", 231, 1100), w=2480, h=3508)
    got = values(extract("contract", [p]))
    assert got["party_a_tax_id"] == "91110108MAR432TA8U" and got["party_b_tax_id"] == "91510107992700076L"
    assert got["party_a_legal_rep"] == "徐英华" and got["party_b_legal_rep"] == "田洋"
    assert got["total_amount"] == "417200.00" and got["total_amount_upper"] == "人民币肆拾壹万柒仟贰佰元整"
    amounts = (got["software_amount"], got["hardware_amount"], got["service_amount"])
    assert amounts == ("330600.00", "72000.00", "14600.00")
    assert (got["service_period_start"], got["service_period_end"]) == ("2023-07-04", "2024-07-02")
    assert got["party_b_bank_account"] == "125653729567496269650" and got["subject"] == "某某系统"


def test_absent_fields_are_null(extract):
    got = values(extract("acceptance", [page(line("项目验收报告", 600, 100))]))
    assert set(got) == {"party_a_name", "party_b_name", "project_name", "contract_number", "acceptance_date",
                        "conclusion"}
    assert all(v is None for v in got.values())


def test_a_bad_spec_fails_at_load_with_file_and_field(tmp_path):
    (tmp_path / "invoice.yaml").write_text("doc_type: invoice\nfields:\n  invoice_number:\n    normalize: nope\n")
    with pytest.raises(SpecError, match="invoice.yaml: invoice_number"):
        load_specs(tmp_path)


def test_signals_tax_id_check_and_figures_words_mismatch_and_edited_pdf():
    fields = (Field(name="seller_tax_id", value="91510107992700076A", confidence=1, provenance=P),
              Field(name="total_amount", value="417200.00", confidence=1, provenance=P),
              Field(name="total_amount_upper", value="肆拾壹万柒仟圆整", confidence=1, provenance=P))
    codes = {s.code for s in field_signals(fields)}
    assert codes == {"tax_id_check_invalid", "figures_words_mismatch"}
    meta = (KeyValue(key="producer", value="Adobe Acrobat Pro 2020"),
            KeyValue(key="pdf_incremental_updates", value="1"))
    assert {s.code for s in metadata_signals(meta)} == {"pdf_edited_after_issue", "pdf_incremental_update"}
    assert metadata_signals((KeyValue(key="producer", value="Suwell OFD convertor"),)) == []
