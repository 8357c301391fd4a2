"""Page classification and grouping (keywords as data; no OCR)."""

from __future__ import annotations

from pipeline.classify import Classifier
from pipeline.types import BBox, DocType, Page, PageKind, Provenance, TextLine, TextSource

P = Provenance(stage="test")


def line(text, x0, y0, h=30):
    return TextLine(text=text, bbox=BBox(x0=x0, y0=y0, x1=x0 + 30 * len(text), y1=y0 + h), confidence=0.99,
                    source=TextSource.ocr, provenance=P)


def page(i, *texts, title=None):
    lines = [line(title, 500, 60, h=60)] if title else []
    lines += [line(t, 150, 300 + 45 * k) for k, t in enumerate(texts)]
    return Page(file_id="f", index=i, width=1654, height=2339, dpi=200, kind=PageKind.scanned, lines=tuple(lines),
                provenance=P)


def invoice(i, number, title="北京增值税普通发票", copy="发票联"):
    return page(i, f"发票号码:{number}", "开票日期:2024年03月05日", "购买方", "价税合计(大写)", copy, title=title)


def test_one_contract_over_pages_then_its_acceptance_certificate():
    pages = [page(0, "甲方:北京某公司", "乙方:成都某公司", "第一条 合同标的", "第1页共3页", title="软件采购合同"),
             page(1, "第四条 交付", "第五条 验收", "第六条 违约责任", "第2页共3页"),
             page(2, "甲方(盖章)", "乙方(盖章)", "签订日期:2024年3月1日", "第3页共3页"),
             page(3, "项目名称:某系统", "验收日期:2024年6月1日", "验收结论:验收合格", title="项目验收报告")]
    spans = Classifier()(pages)
    assert [(s.doc_type, s.pages) for s in spans] == [(DocType.contract, (0, 1, 2)), (DocType.acceptance, (3,))]
    assert all(0.5 <= s.confidence <= 1 for s in spans)


def test_a_pdf_of_invoices_is_one_document_per_invoice():
    spans = Classifier()([invoice(i, f"{10000000 + i}") for i in range(29)])
    assert len(spans) == 29 and all(s.doc_type == DocType.invoice and len(s.pages) == 1 for s in spans)
    assert spans[0].invoice_kind == "vat_normal" and spans[0].copy_type == "invoice_copy"


def test_a_multi_page_invoice_with_one_number_stays_one_document():
    spans = Classifier()([invoice(0, "12235358", "增值税电子普通发票"), invoice(1, "12235358", "增值税电子普通发票")])
    assert len(spans) == 1 and spans[0].pages == (0, 1) and spans[0].invoice_kind == "vat_e_normal"
    assert spans[0].copy_type is None


def test_bank_slip_voucher_and_other():
    c = Classifier()
    assert c([page(0, "付款人:甲", "收款人:乙", "交易流水号:123", title="网上银行电子回单")])[0].doc_type == DocType.bank_slip
    assert c([page(0, "摘要", "会计科目", "借方金额", "贷方金额", title="记账凭证")])[0].doc_type == DocType.voucher
    assert c([page(0, "门诊号:1", "票据号码:2", title="江苏省医疗门诊收费票据(电子)")])[0].doc_type == DocType.other
    assert c([page(0, "hello")])[0].doc_type == DocType.other


def test_a_banks_payment_form_is_a_bank_slip_and_a_letter_is_other():
    c = Classifier()
    form = page(0, "申请日期:", "业务类型:□现金□转账", "收款人", "开户行名称", "金额(大写)人民币", title="个人结算业务申请书")
    assert c([form])[0].doc_type == DocType.bank_slip
    letter = page(0, "我单位承诺所提交的发票真实有效", "特此承诺", "发票号码:12345678", title="票据使用承诺函")
    assert c([letter])[0].doc_type == DocType.other


def test_document_stage_splits_a_file_into_typed_documents():
    from pipeline.extract import DocumentStage
    from pipeline.types import Document

    pages = (page(0, "甲方:北京某公司", "乙方:成都某公司", "第一条 合同标的", title="软件采购合同"),
             page(1, "项目名称:某系统", "验收日期:2024年6月1日", "验收结论:验收合格", title="项目验收报告"))
    doc = Document(id="scan.pdf", file_id="scan.pdf", pages=pages, provenance=P)
    out = DocumentStage()(doc)
    assert [(d.id, d.doc_type, len(d.pages)) for d in out] == [("scan.pdf#1", DocType.contract, 1),
                                                                 ("scan.pdf#2", DocType.acceptance, 1)]
    acceptance = {f.name: f.value for f in out[1].fields}
    assert acceptance["conclusion"] == "passed" and acceptance["acceptance_date"] == "2024-06-01"
