"""Accounting vouchers (记账凭证) as printed by bookkeeping software: 核算单位, date, voucher number, entries (摘要 /
会计科目 / 借方金额 / 贷方金额), 合计, and the sign-off line (会计主管, 记账, 审核, 出纳, 制单). Optionally the
applicant's finance seal. All content comes from :class:`VoucherSpec`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .common import amount_upper, cn_date, fmt_amount, fmt_money, money
from .deal import Deal
from .fakedata import person_name
from .layout import Canvas
from .model import DocLayout
from .seals import SealSpec

ACCOUNT = {"software": "无形资产—软件", "hardware": "固定资产—电子设备", "service": "管理费用—技术服务费"}


@dataclass(frozen=True)
class Entry:
    summary: str
    account: str
    debit: Decimal | None = None
    credit: Decimal | None = None


@dataclass(frozen=True)
class VoucherSpec:
    company: str
    voucher_number: str  # as printed after 凭证号, e.g. 记-0012
    voucher_date: date
    entries: tuple[Entry, ...]
    attachments: int = 3
    people: tuple[str, str, str, str, str] = ("", "", "", "", "")  # 会计主管 记账 审核 出纳 制单
    seal: SealSpec | None = None

    @property
    def total_debit(self) -> Decimal:
        return money(sum((e.debit or Decimal(0) for e in self.entries), Decimal(0)))

    @property
    def total_credit(self) -> Decimal:
        return money(sum((e.credit or Decimal(0) for e in self.entries), Decimal(0)))


def spec_from_deal(deal: Deal, rng: np.random.Generator, payment: int = 0,
                   paid: tuple[date, Decimal] | None = None) -> VoucherSpec:
    """The voucher booking the deal's ``payment``-th payment (0: the first, split by kind; later ones: 应付账款);
    ``paid`` = (date, amount) overrides the deal's schedule."""
    d, amount = paid or deal.payments()[payment]
    summary = f"支付{deal.contract_number}合同款"
    entries: list[Entry] = []
    if payment == 0:
        share = amount / deal.total
        for kind in ("software", "hardware", "service"):
            parts = [i for i in deal.items if i.kind == kind]
            if parts:
                net = money(sum((i.amount_excl_tax for i in parts), Decimal(0)) * share)
                entries.append(Entry(summary, ACCOUNT[kind], debit=net))
        entries.append(Entry(summary, "应交税费—应交增值税（进项税额）",
                             debit=amount - sum((e.debit for e in entries), Decimal(0))))
    else:
        entries.append(Entry(summary, f"应付账款—{deal.seller.name}", debit=amount))
    entries.append(Entry(summary, f"银行存款—{deal.buyer.account.bank_short}", credit=amount))
    seal = SealSpec("finance", deal.buyer.name, "square" if rng.random() < 0.4 else "round") if rng.random() < 0.5 \
        else None
    return VoucherSpec(company=deal.buyer.name, voucher_number=f"记-{int(rng.integers(1, 400)):04d}", voucher_date=d,
                       entries=tuple(entries), attachments=int(rng.integers(2, 6)),
                       people=tuple(person_name(rng) for _ in range(5)), seal=seal)


def build(spec: VoucherSpec, rng: np.random.Generator) -> DocLayout:
    c = Canvas(width=680.0, height=330.0 + 26.0 * max(0, len(spec.entries) - 5))
    W = c.width
    x0, x1 = 40.0, W - 40.0
    c.text(W / 2, 24, "记  账  凭  证", 20, "serif_bold", align="c")
    c.line(W / 2 - 80, 50, W / 2 + 80, 50, 0.8)
    c.line(W / 2 - 80, 53, W / 2 + 80, 53, 0.8)
    b = c.text(x0, 64, "核算单位：", 9.5, "serif")
    c.text(b[2], 64, spec.company, 9.5, "serif")
    c.text(W / 2, 64, cn_date(spec.voucher_date), 9.5, "serif", align="c", key="voucher_date")
    b = c.text(x1 - 120, 64, "凭证号：", 9.5, "serif")
    c.text(b[2], 64, spec.voucher_number, 9.5, "serif", key="voucher_number")
    top, rh = 82.0, 26.0
    cols = [x0, x0 + 190, x0 + 400, x0 + 500, x1]
    n = max(5, len(spec.entries))
    bottom = top + rh * (n + 2)
    c.rect(x0, top, x1, bottom, 1.0)
    for x in cols[1:-1]:
        c.line(x, top, x, bottom, 0.6)
    for i in range(1, n + 2):
        c.line(x0, top + rh * i, x1, top + rh * i, 0.5)
    for (a, bx), h in zip(zip(cols, cols[1:]), ("摘    要", "会 计 科 目", "借方金额", "贷方金额")):
        c.text((a + bx) / 2, top + 8, h, 10, "sans_bold", align="c")
    for i, e in enumerate(spec.entries, 1):
        y = top + rh * i + 8
        c.text(cols[0] + 4, y, e.summary, 9.5, "serif", key="summary" if i == 1 else None,
               max_width=cols[1] - cols[0] - 8)
        c.text(cols[1] + 4, y, e.account, 9.5, "serif", max_width=cols[2] - cols[1] - 8)
        if e.debit is not None:
            c.text(cols[3] - 4, y, fmt_money(e.debit), 9.5, "serif", align="r")
        if e.credit is not None:
            c.text(cols[4] - 4, y, fmt_money(e.credit), 9.5, "serif", align="r")
    y = top + rh * (n + 1) + 8
    c.text(cols[0] + 4, y, f"合计：{amount_upper(spec.total_debit)}", 9.5, "serif", max_width=cols[2] - cols[0] - 8)
    c.text(cols[3] - 4, y, fmt_money(spec.total_debit), 9.5, "serif", align="r", key="total_debit")
    c.text(cols[4] - 4, y, fmt_money(spec.total_credit), 9.5, "serif", align="r", key="total_credit")
    c.text(x1 + 6, top + 30, "附", 9.5, "serif")
    c.text(x1 + 6, top + 46, f"{spec.attachments}", 9.5, "serif")
    c.text(x1 + 6, top + 62, "张", 9.5, "serif")
    for i, (lab, p) in enumerate(zip(("会计主管", "记账", "审核", "出纳", "制单"), spec.people)):
        c.text(x0 + i * (x1 - x0) / 5, bottom + 12, f"{lab}：{p}", 9.5, "serif")
    if spec.seal:
        cx, cy = x1 - 90 + rng.uniform(-30, 10), bottom - 30 + rng.uniform(-20, 10)
        c.seal(spec.seal, cx, cy, int(rng.integers(0, 2**31)))
    fields = {"voucher_number": spec.voucher_number, "voucher_date": spec.voucher_date.isoformat(),
              "total_debit": fmt_amount(spec.total_debit), "total_credit": fmt_amount(spec.total_credit),
              "summary": spec.entries[0].summary if spec.entries else None}
    return DocLayout("voucher", [c], fields, notes="synthetic 记账凭证")
