"""Write the demo submission to fixtures/demo: one applicant's Beijing 2024 evidence for one contract, in the forms real
submissions mix, consistent from the contract to the voucher, so that ``evidence check fixtures/demo`` pre-screens it
end to end.

The deal: 北京精工智能制造有限公司 (甲方, the applicant) buys a manufacturing execution system from 北京智造云科技有限公司
(乙方): MES software 800,000.00 (13 %), ten data-collection gateways 100,000.00 (13 %), implementation 300,000.00 (6 %),
1,200,000.00 in all, contract BJZZ-2024-0318 signed 2024-03-05; one 数电票 of 2024-03-11 for the whole amount; 30 % paid
on 2024-03-14, accepted on 2024-06-20, the remaining 70 % paid on 2024-07-02; submitted on 2024-07-26.

- 01_技术服务合同.pdf: the contract as a digital PDF (text layer; both parties' 公章 as images on the signature page);
- 02_验收证明_扫描.jpg: the acceptance certificate with both 公章 in the 甲方/乙方 boxes, scanned sideways (rotated
  90 degrees, slight skew and noise) - OCR'd upright;
- 03_发票.ofd: the e-invoice as OFD (written with scripts/make_ofd_fixture.py's writer): page text, the invoice data as
  XML, the seller's 发票专用章 with its tax id as an image;
- 04_银行回单.zip: the two ICBC electronic receipts as PNGs inside a zip - expanded safely, OCR'd;
- 05_记账凭证_首付款.pdf, 06_记账凭证_尾款.pdf: the applicant's accounting vouchers booking the two payments (digital);
- manifest.json: the intake manifest (programme, the applicant's declared facts, no contract grouping).

Pages, seals and vouchers are drawn by the scenario generator (scripts/synth: contract, acceptance, bank_slip, voucher,
seals), with seals stamped evenly (full ink, no partial stamping) so that the demo shows a clean submission.
Deterministic: a second run writes the same bytes (fixed seeds, no timestamps).
Usage: python scripts/make_demo.py [--out fixtures/demo]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.make_ofd_fixture import (  # noqa: E402
    custom_tags, invoice_xml, line_obj, package, package_members, text_obj)
from scripts.synth import acceptance, bank_slip, contract, voucher  # noqa: E402
from scripts.synth.common import amount_upper, cn_date, fmt_amount, money, uscc_valid  # noqa: E402
from scripts.synth.deal import Deal, Item  # noqa: E402
from scripts.synth.degrade import DegradeParams, degrade  # noqa: E402
from scripts.synth.fakedata import INVOICE_CATEGORY, INVOICE_CATEGORY_SOFT_GOODS, BankAccount, Company  # noqa: E402
from scripts.synth.layout import png_bytes  # noqa: E402
from scripts.synth.model import render_pdf, render_raster  # noqa: E402
from scripts.synth.seals import SealSpec, alpha_bbox, render_seal  # noqa: E402

# ----------------------------------------------------------------------------------------------------------------------
# the submission (fictional companies; valid GB 32100 codes, including the GB 11714 organisation code check)

BUYER = Company(
    name="北京精工智能制造有限公司", tax_id="91110108MA01ABCD5T", legal_rep="王建国",
    address="北京市海淀区上地信息路26号5层", phone="010-62985317",
    account=BankAccount("中国工商银行股份有限公司北京海淀支行", "中国工商银行", "0200001234567890123"),
    city="北京市", region="北京", seal_code="1101080056231")
SELLER = Company(
    name="北京智造云科技有限公司", tax_id="91110105MA00EFGH5K", legal_rep="李明",
    address="北京市朝阳区酒仙桥路10号3号楼8层", phone="010-84562270",
    account=BankAccount("中国工商银行股份有限公司北京朝阳支行", "中国工商银行", "0200004509200123456"),
    city="北京市", region="北京", seal_code="1101050071842")

DEAL = Deal(
    buyer=BUYER, seller=SELLER, contract_number="BJZZ-2024-0318", subject="制造执行系统（MES）建设项目",
    items=(Item("制造执行系统（MES）软件", "software", "套", 1, Decimal("800000.00"), "13%"),
           Item("工业数据采集网关", "hardware", "台", 10, Decimal("10000.00"), "13%"),
           Item("系统实施服务", "service", "项", 1, Decimal("300000.00"), "6%")),
    sign_date=date(2024, 3, 5), acceptance_date=date(2024, 6, 20), invoice_date=date(2024, 3, 11),
    payment_dates=(date(2024, 3, 14), date(2024, 7, 2)), payment_shares=(Decimal("0.3"), Decimal("0.7")),
    programme="beijing")

INVOICE_NUMBER = "24112000001836452097"  # 数电票: yy, region 11 (Beijing), 2, 0000, 11 digits
PAYMENT_TIMES = (datetime(2024, 3, 14, 10, 26, 41), datetime(2024, 7, 2, 14, 8, 12))
BANK_SERIALS = ("2024031400007312", "2024070200018893")
VOUCHER_NUMBERS = ("记-0031", "记-0087")
VOUCHER_PEOPLE = ("张秀英", "刘洋", "陈静", "赵丽", "孙涛")  # 会计主管 记账 审核 出纳 制单

APPLICANT = {
    "name": BUYER.name,
    "tax_id": BUYER.tax_id,
    "registered_region": "北京市海淀区",
    "independent_legal_person": True,
    "serious_dishonesty": False,
    "srdi_status": "专精特新中小企业",
    "srdi_valid_until": "2026-12-31",
    "industry_code": "C3484",
    "prior_municipal_funding": False,
    "related_party": False,
    "submitted_at": "2024-07-26T10:18:00+08:00",
}


def _official(c: Company, rotation: float) -> SealSpec:
    """The company's round 公章, stamped evenly (a clean submission)."""
    return SealSpec("official", c.name, "round", code=c.seal_code, rotation_deg=rotation, ink_strength=0.95,
                    partial=0.0)


# ----------------------------------------------------------------------------------------------------------------------
# documents drawn by the scenario generator


def contract_pdf() -> bytes:
    spec = contract.ContractSpec(
        party_a=BUYER, party_b=SELLER, items=DEAL.items, subject=DEAL.subject, contract_number=DEAL.contract_number,
        sign_date=DEAL.sign_date, programme="beijing", title="制造执行系统（MES）建设项目技术服务合同",
        seals_a=(_official(BUYER, -12.0),), seals_b=(_official(SELLER, -5.0),), cross_page_seal=None,
        signature_on_own_page=False, clauses=7)
    layout = contract.build(spec, np.random.default_rng([20240305, 1]))
    return render_pdf(layout, dpi=200, seal_dpi=120, seal_alpha_levels=16).pdf


def acceptance_jpg() -> bytes:
    spec = acceptance.AcceptanceSpec(
        party_a=BUYER, party_b=SELLER, project_name=DEAL.subject, contract_number=DEAL.contract_number,
        acceptance_date=DEAL.acceptance_date, items=tuple(f"{i.name} {i.quantity}{i.unit}" for i in DEAL.items),
        contract_amount=DEAL.total, title="项目验收证明",
        seals_a=(_official(BUYER, 7.0),), seals_b=(_official(SELLER, -10.0),))
    layout = acceptance.build(spec, np.random.default_rng([20240620, 1]))
    (page,) = render_raster(layout, 150).pages
    params = DegradeParams(skew_deg=0.8, blur_sigma=0.5, noise_sigma=1.5, light_strength=0.1, light_angle=35.0)
    scan = degrade(page, 20240620, params=params, apply_jpeg=False).image
    _, jpg = cv2.imencode(".jpg", cv2.rotate(scan, cv2.ROTATE_90_COUNTERCLOCKWISE), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return jpg.tobytes()


def bank_slip_png(k: int) -> bytes:
    _, amount = DEAL.payments()[k]
    spec = bank_slip.BankSlipSpec(
        payer=bank_slip.Party(BUYER.name, BUYER.account.account, BUYER.account.bank),
        payee=bank_slip.Party(SELLER.name, SELLER.account.account, SELLER.account.bank),
        amount=amount, transaction_time=PAYMENT_TIMES[k],
        purpose=f"{DEAL.contract_number}合同{('首付款', '尾款')[k]}", serial_number=BANK_SERIALS[k], style="icbc",
        bank_short=BUYER.account.bank_short, receipt_number=f"{PAYMENT_TIMES[k]:%Y%m%d}{k + 1:04d}",
        seal=SealSpec("bank", BUYER.account.bank, "round", title="电子回单专用章", star=False, rotation_deg=0.0,
                      ink_strength=0.95, partial=0.0))
    layout = bank_slip.build(spec, np.random.default_rng([20240702, k]))
    (page,) = render_raster(layout, 150).pages
    # a palette PNG of 32 colours, as online banking exports receipts: a third of the size of a true-colour one
    palette = Image.fromarray(page[:, :, ::-1]).quantize(32, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    palette.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def voucher_pdf(k: int) -> bytes:
    spec = voucher.spec_from_deal(DEAL, np.random.default_rng([20240314, k]), payment=k)
    spec = replace(spec, voucher_number=VOUCHER_NUMBERS[k], attachments=3, people=VOUCHER_PEOPLE,
                   seal=SealSpec("finance", BUYER.name, "round", ink_strength=0.95, partial=0.0, rotation_deg=-6.0))
    if spec.total_debit != spec.total_credit or spec.total_credit != DEAL.payments()[k][1]:
        raise RuntimeError(f"voucher {k}: debit {spec.total_debit} / credit {spec.total_credit}")
    layout = voucher.build(spec, np.random.default_rng([20240314, k, 1]))
    return render_pdf(layout, dpi=200, seal_dpi=120, seal_alpha_levels=16).pdf


# ----------------------------------------------------------------------------------------------------------------------
# the OFD e-invoice (数电票), written with scripts/make_ofd_fixture.py's writer

BROWN = "154 80 40"
_COLS = ((8, "项目名称"), (72, "规格型号"), (92, "单位"), (101, "数量"), (111, "单价"), (132, "金额"),
         (153, "税率/征收率"), (178, "税额"))


def _goods_name(item: Item) -> str:
    category = INVOICE_CATEGORY_SOFT_GOODS if item.kind == "software" else INVOICE_CATEGORY[item.kind]
    return category + item.name


def _unit_price(item: Item) -> str:
    """Excluding tax, as 数电票 print it: up to 6 decimals, trailing zeros dropped, at least 2."""
    whole, frac = f"{item.amount_excl_tax / item.quantity:.6f}".split(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def invoice_fields() -> dict[str, str]:
    net = money(sum((i.amount_excl_tax for i in DEAL.items), Decimal(0)))
    tax = money(sum((i.tax for i in DEAL.items), Decimal(0)))
    if net + tax != DEAL.total:
        raise RuntimeError(f"invoice {net} + {tax} != {DEAL.total}")
    d = DEAL.invoice_date
    return {"invoice_number": INVOICE_NUMBER, "issue_date": d.isoformat(), "issue_date_printed": cn_date(d),
            "buyer_name": BUYER.name, "buyer_tax_id": BUYER.tax_id, "seller_name": SELLER.name,
            "seller_tax_id": SELLER.tax_id, "amount_excl_tax": fmt_amount(net), "tax_amount": fmt_amount(tax),
            "total_amount": fmt_amount(DEAL.total), "total_amount_upper": amount_upper(DEAL.total, yuan="圆")}


def invoice_seal_png(dpi: float = 200.0) -> tuple[bytes, float, float]:
    """The seller's oval 发票专用章 with its tax id; returns the PNG and its size in mm."""
    rgba = render_seal(SealSpec("invoice", SELLER.name, "oval", code=SELLER.tax_id, rotation_deg=0.0,
                                ink_strength=0.95, partial=0.0), dpi, np.random.default_rng([20240311, 1]))
    x0, y0, x1, y1 = alpha_bbox(rgba, 0)
    rgba = rgba[y0:y1, x0:x1].copy()
    step = 255.0 / 15  # 16 ink levels: the PNG compresses about twice as well
    rgba[..., 3] = (np.round(rgba[..., 3] / step) * step).astype(np.uint8)
    return png_bytes(rgba), rgba.shape[1] * 25.4 / dpi, rgba.shape[0] * 25.4 / dpi


def ofd_members() -> dict[str, str | bytes]:
    f = invoice_fields()
    template = [
        text_obj(10, 65, 6, 80, 9, "电子发票（增值税专用发票）", size=6.0, color=BROWN),
        line_obj(11, 65, 17.5, 80),
        text_obj(19, 150, 10, 18, 5, "发票号码：", color=BROWN), text_obj(20, 150, 16, 18, 5, "开票日期：", color=BROWN),
        line_obj(12, 5, 30, 200), line_obj(13, 5, 52, 200), line_obj(14, 5, 84, 200), line_obj(15, 5, 92, 200),
        line_obj(16, 5, 124, 200),
        line_obj(17, 5, 30, 94, vertical=True), line_obj(18, 205, 30, 94, vertical=True),
        line_obj(21, 105, 30, 22, vertical=True), line_obj(22, 17, 92, 32, vertical=True),
        text_obj(23, 8, 31.5, 30, 4, "购买方信息", size=2.8, color=BROWN),
        text_obj(24, 108, 31.5, 30, 4, "销售方信息", size=2.8, color=BROWN),
        text_obj(25, 8, 37, 12, 5, "名称：", color=BROWN), text_obj(26, 108, 37, 12, 5, "名称：", color=BROWN),
        text_obj(27, 8, 45, 40, 5, "统一社会信用代码/纳税人识别号：", size=2.8, color=BROWN),
        text_obj(28, 108, 45, 40, 5, "统一社会信用代码/纳税人识别号：", size=2.8, color=BROWN),
        text_obj(29, 20, 78, 12, 5, "合计", color=BROWN),
        text_obj(30, 8, 86.5, 40, 5, "价税合计（大写）", color=BROWN), text_obj(31, 150, 86.5, 14, 5, "（小写）", color=BROWN),
        text_obj(32, 8, 105.5, 8, 5, "备注", color=BROWN),
    ]
    template += [text_obj(40 + i, x, 54, 24, 4, label, size=2.8, color=BROWN) for i, (x, label) in enumerate(_COLS)]
    page = [
        text_obj(101, 168, 10, 38, 5, f["invoice_number"], font=4),
        text_obj(102, 168, 16, 38, 5, f["issue_date_printed"]),
        text_obj(103, 20, 37, 80, 5, f["buyer_name"]),
        text_obj(104, 58, 45, 45, 4, f["buyer_tax_id"], size=2.8, font=4),
        text_obj(105, 120, 37, 80, 5, f["seller_name"]),
        text_obj(106, 158, 45, 45, 4, f["seller_tax_id"], size=2.8, font=4),
    ]
    goods = []
    for r, it in enumerate(DEAL.items):
        y, oid = 60 + 6.5 * r, 110 + 10 * r
        cells = (_goods_name(it), "V3.0" if it.kind == "software" else "", it.unit, str(it.quantity),
                 _unit_price(it), fmt_amount(it.amount_excl_tax), it.tax_rate, fmt_amount(it.tax))
        page += [text_obj(oid + c, x, y, 60 if c == 0 else 20, 4, v, size=2.6, font=3 if c < 3 else 4)
                 for c, ((x, _), v) in enumerate(zip(_COLS, cells)) if v]
        goods.append({"Item": cells[0], "Specification": cells[1], "MeasurementDimension": it.unit,
                      "Quantity": cells[3], "Price": cells[4], "Amount": cells[5], "TaxScheme": it.tax_rate,
                      "TaxAmount": cells[7]})
    seal, w, h = invoice_seal_png()
    remark = f"合同编号：{DEAL.contract_number}；项目名称：{DEAL.subject}"
    page += [
        text_obj(141, 132, 78, 25, 5, f"¥{f['amount_excl_tax']}", size=2.8, font=4),
        text_obj(142, 178, 78, 25, 5, f"¥{f['tax_amount']}", size=2.8, font=4),
        text_obj(143, 50, 86.5, 60, 5, f["total_amount_upper"]),
        text_obj(144, 164, 86.5, 4, 5, "¥", font=4),  # the sign and the amount in two objects, as producers do
        text_obj(145, 168, 86.5, 36, 5, f["total_amount"], font=4),
        text_obj(146, 20, 96, 120, 5, remark, size=2.8),
        f'<ofd:ImageObject ID="147" Boundary="152 {123.5 - h:.2f} {w:.2f} {h:.2f}" CTM="{w:.2f} 0 0 {h:.2f} 0 0"'
        ' ResourceID="90"/>',
    ]
    tags = custom_tags([("InvoiceNo", (101,)), ("IssueDate", (102,)), ("Buyer/BuyerName", (103,)),
                        ("Buyer/BuyerTaxID", (104,)), ("Seller/SellerName", (105,)), ("Seller/SellerTaxID", (106,)),
                        ("TaxExclusiveTotalAmount", (141,)), ("TaxTotalAmount", (142,)),
                        ("TaxInclusiveTotalAmount", (144, 145))])
    return package_members(f, "".join(template), "".join(page), tags, invoice_xml(f, goods, subtotals=True), seal,
                           drawer="周婷", doc_id="9f1c3a7e52d84b06a1e0c4d2b7f58e31", creator="evidence-pipeline demo")


# ----------------------------------------------------------------------------------------------------------------------


def manifest() -> dict:
    for c in (BUYER, SELLER):
        if not uscc_valid(c.tax_id):
            raise RuntimeError(f"{c.name}: tax id {c.tax_id} fails its GB 32100 check")
    return {"programme": "beijing-2024", "applicant": APPLICANT, "contracts": None}


def slips_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, when in enumerate(PAYMENT_TIMES):
            info = zipfile.ZipInfo(f"银行回单/工商银行电子回单_{when:%Y%m%d}.png", date_time=(*when.timetuple()[:5], 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, bank_slip_png(k))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "fixtures" / "demo")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "01_技术服务合同.pdf": contract_pdf(),
        "02_验收证明_扫描.jpg": acceptance_jpg(),
        "03_发票.ofd": package(ofd_members(), date_time=(2024, 3, 11, 9, 42, 0)),
        "04_银行回单.zip": slips_zip(),
        "05_记账凭证_首付款.pdf": voucher_pdf(0),
        "06_记账凭证_尾款.pdf": voucher_pdf(1),
        "manifest.json": (json.dumps(manifest(), ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
        print(f"{out / name}: {len(data):,} bytes")
    print(f"demo submission written to {out} ({sum(map(len, files.values())):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
