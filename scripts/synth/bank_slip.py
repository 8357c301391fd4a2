"""Bank electronic receipts (电子回单) in three banks' styles, each with the bank's receipt seal:

- ``icbc``: 中国工商银行 网上银行电子回单 — payer and payee side by side, round 电子回单专用章;
- ``ccb``: 中国建设银行 单位客户专用回单 — one label/value grid, round 业务专用章 with a star;
- ``cmb``: 招商银行 收付款业务回单 — label lines without a grid, oval 电子回单专用章.

Other banks use the closest style with their own name. All content comes from :class:`BankSlipSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import numpy as np

from .common import amount_upper, cn_date, fmt_amount, fmt_money
from .deal import Deal
from .fakedata import digits
from .layout import Canvas
from .model import DocLayout
from .seals import SealSpec

STYLES = ("icbc", "ccb", "cmb")
STYLE_OF_BANK = {"中国工商银行": "icbc", "中国建设银行": "ccb", "招商银行": "cmb", "中国农业银行": "ccb", "中国银行": "icbc",
                 "交通银行": "cmb", "兴业银行": "cmb", "浦发银行": "icbc"}
FORM = {"icbc": (180, 30, 40), "ccb": (20, 60, 140), "cmb": (150, 20, 30)}
INK = (25, 25, 25)


@dataclass(frozen=True)
class Party:
    name: str
    account: str
    bank: str


@dataclass(frozen=True)
class BankSlipSpec:
    payer: Party
    payee: Party
    amount: Decimal
    transaction_time: datetime
    purpose: str
    serial_number: str
    style: str = "icbc"
    bank_short: str = "中国工商银行"  # the bank issuing the receipt (payer's bank)
    amount_upper: str | None = None  # None: computed; a scenario may print a wrong one
    seal: SealSpec | None = None  # None: no seal
    receipt_number: str = ""


def spec_from_deal(deal: Deal, rng: np.random.Generator, payment: int = 0, style: str | None = None,
                   paid: tuple[date, Decimal] | None = None) -> BankSlipSpec:
    """The slip of the deal's ``payment``-th payment; ``paid`` = (date, amount) overrides the deal's schedule (a
    scenario with an underpayment or a payment made before the contract)."""
    d, amount = paid or deal.payments()[payment]
    b, s = deal.buyer, deal.seller
    short = b.account.bank_short
    style = style or STYLE_OF_BANK.get(short, "icbc")
    when = datetime.combine(d, time(int(rng.integers(9, 17)), int(rng.integers(0, 60)), int(rng.integers(0, 60))))
    title = {"icbc": "电子回单专用章", "ccb": "业务专用章", "cmb": "电子回单专用章"}[style]
    seal = SealSpec("bank", b.account.bank if style != "cmb" else f"{short}股份有限公司", "oval" if style == "cmb" else
                    "round", title=title, star=style == "ccb")
    n = len(deal.payments())
    stage = "" if n == 1 else ("首付款" if payment == 0 else "尾款")
    return BankSlipSpec(
        payer=Party(b.name, b.account.account, b.account.bank), payee=Party(s.name, s.account.account, s.account.bank),
        amount=amount, transaction_time=when, purpose=f"{deal.contract_number}合同{stage or '货款'}",
        serial_number=digits(rng, int(rng.choice([16, 20, 22]))), style=style, bank_short=short, seal=seal,
        receipt_number=digits(rng, 12))


def _upper(s: BankSlipSpec) -> str:
    return s.amount_upper if s.amount_upper is not None else amount_upper(s.amount, prefix="人民币")


def _icbc(c: Canvas, s: BankSlipSpec, form) -> None:
    W = c.width
    c.text(W / 2, 22, f"{s.bank_short} 网上银行电子回单", 16, "sans_bold", form, align="c")
    c.text(40, 50, f"电子回单号码：{s.receipt_number}", 9, "sans", INK)
    x0, x1, top = 40.0, W - 40, 66.0
    rh = 22.0
    c.rect(x0, top, x1, top + rh * 8, 0.8, form)
    mid = (x0 + x1) / 2
    for i in range(1, 8):
        c.line(x0, top + rh * i, x1, top + rh * i, 0.5, form)
    c.line(mid, top, mid, top + rh * 3, 0.5, form)
    for lx, role, p, key in ((x0, "付款人", s.payer, "payer"), (mid, "收款人", s.payee, "payee")):
        c.line(lx + 22, top, lx + 22, top + rh * 3, 0.5, form)
        c.line(lx + 72, top, lx + 72, top + rh * 3, 0.5, form)
        for i, ch in enumerate(role):
            c.text(lx + 11, top + 12 + 18 * i, ch, 9.5, "sans", form, align="c")
        for i, (lab, v, k) in enumerate((("户    名", p.name, "name"), ("账    号", p.account, "account"),
                                        ("开户银行", p.bank, "bank"))):
            c.text(lx + 47, top + rh * i + 6, lab, 9, "sans", form, align="c")
            c.text(lx + 76, top + rh * i + 6, v, 9, "sans", INK, key=f"{key}_{k}", max_width=mid - x0 - 80)
    rows = [("金    额", f"{_upper(s)}", "amount_upper"), ("小写金额", f"¥{fmt_money(s.amount)}", "amount"),
            ("摘    要", s.purpose, "purpose"), ("交易流水号", s.serial_number, "serial_number"),
            ("交易时间", f"{s.transaction_time:%Y-%m-%d %H:%M:%S}", "transaction_date")]
    c.line(x0 + 72, top + rh * 3, x0 + 72, top + rh * 8, 0.5, form)
    for i, (lab, v, k) in enumerate(rows, 3):
        c.text(x0 + 36, top + rh * i + 6, lab, 9, "sans", form, align="c")
        span = v[:10] if k == "transaction_date" else v
        b = c.text(x0 + 78, top + rh * i + 6, span, 9.5, "sans", INK, key=k)
        if k == "transaction_date":
            c.text(b[2], top + rh * i + 6, v[10:], 9.5, "sans", INK)
    c.text(40, top + rh * 8 + 10, f"记账日期：{cn_date(s.transaction_time.date())}    打印次数：1", 9, "sans", INK)


def _ccb(c: Canvas, s: BankSlipSpec, form) -> None:
    W = c.width
    c.text(W / 2, 20, f"{s.bank_short}  单位客户专用回单", 16, "serif_bold", form, align="c")
    c.text(40, 48, f"币别：人民币    打印日期：{cn_date(s.transaction_time.date())}", 9, "serif", INK)
    c.text(W - 40, 48, f"凭证号：{s.receipt_number}", 9, "serif", INK, align="r")
    x0, x1, top, rh = 40.0, W - 40, 64.0, 21.0
    rows = [("付款人全称", s.payer.name, "payer_name"), ("付款人账号", s.payer.account, "payer_account"),
            ("付款人开户行", s.payer.bank, "payer_bank"), ("收款人全称", s.payee.name, "payee_name"),
            ("收款人账号", s.payee.account, "payee_account"), ("收款人开户行", s.payee.bank, "payee_bank"),
            ("大写金额", _upper(s), "amount_upper"), ("小写金额", fmt_money(s.amount), "amount"),
            ("用途", s.purpose, "purpose"), ("交易流水号", s.serial_number, "serial_number"),
            ("交易日期", f"{s.transaction_time:%Y%m%d}", "transaction_date")]
    c.rect(x0, top, x1, top + rh * len(rows), 0.8, form)
    c.line(x0 + 90, top, x0 + 90, top + rh * len(rows), 0.5, form)
    for i, (lab, v, k) in enumerate(rows):
        if i:
            c.line(x0, top + rh * i, x1, top + rh * i, 0.4, form)
        c.text(x0 + 6, top + rh * i + 5.5, lab, 9.5, "serif", form)
        c.text(x0 + 98, top + rh * i + 5, v, 10, "serif", INK, key=k, max_width=x1 - x0 - 110)


def _cmb(c: Canvas, s: BankSlipSpec, form) -> None:
    W = c.width
    c.text(40, 18, s.bank_short, 15, "sans_bold", form)
    c.text(W / 2 + 20, 20, "收付款业务回单", 15, "sans_bold", INK, align="c")
    c.line(40, 42, W - 40, 42, 1.2, form)
    rows = [("交易日期：", f"{s.transaction_time:%Y年%m月%d日}", "transaction_date", "流水号：", s.serial_number,
             "serial_number"),
            ("付款人：", s.payer.name, "payer_name", "收款人：", s.payee.name, "payee_name"),
            ("付款账号：", s.payer.account, "payer_account", "收款账号：", s.payee.account, "payee_account"),
            ("付款开户行：", s.payer.bank, "payer_bank", "收款开户行：", s.payee.bank, "payee_bank"),
            ("交易金额(大写)：", _upper(s), "amount_upper", "交易金额(小写)：", f"CNY{fmt_money(s.amount)}", "amount"),
            ("用途：", s.purpose, "purpose", "回单编号：", s.receipt_number, None)]
    half = (W - 80) / 2
    for i, (l1, v1, k1, l2, v2, k2) in enumerate(rows):
        y = 56 + 26 * i
        for x, lab, v, k in ((40, l1, v1, k1), (40 + half + 10, l2, v2, k2)):
            b = c.text(x, y, lab, 9.5, "sans", (90, 90, 90))
            if k == "amount":
                b = c.text(b[2], y, "CNY", 10, "sans", INK)
                v = v[3:]
            c.text(b[2] + 2, y, v, 10, "sans", INK, key=k, max_width=half - (b[2] - x) - 8)
    c.line(40, 56 + 26 * len(rows), W - 40, 56 + 26 * len(rows), 0.8, form)


def build(spec: BankSlipSpec, rng: np.random.Generator) -> DocLayout:
    if spec.style not in STYLES:
        raise ValueError(f"bank slip style {spec.style!r} not in {STYLES}")
    c = Canvas(width=595.0, height=330.0)
    form = FORM[spec.style]
    {"icbc": _icbc, "ccb": _ccb, "cmb": _cmb}[spec.style](c, spec, form)
    if spec.seal:
        c.seal(spec.seal, c.width - 120 + rng.uniform(-15, 15), c.height - 80 + rng.uniform(-15, 10),
               int(rng.integers(0, 2**31)), opacity=0.9)
    fields = {
        "payer_name": spec.payer.name, "payer_account": spec.payer.account, "payer_bank": spec.payer.bank,
        "payee_name": spec.payee.name, "payee_account": spec.payee.account, "payee_bank": spec.payee.bank,
        "amount": fmt_amount(spec.amount), "amount_upper": _upper(spec),
        "transaction_date": spec.transaction_time.date().isoformat(), "purpose": spec.purpose,
        "serial_number": spec.serial_number,
    }
    return DocLayout("bank_slip", [c], fields, notes=f"synthetic {spec.style}-style 电子回单")


__all__ = ["BankSlipSpec", "Party", "STYLES", "build", "spec_from_deal"]
