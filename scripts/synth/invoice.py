"""VAT invoices (增值税发票) in the real layouts:

- paper 增值税专用发票 / 普通发票 (``vat_special`` / ``vat_normal``): coloured form (green 抵扣联, brown 发票联...), the
  printed 全国统一发票监制章 over the title, copy label, dot-matrix values slightly off the form, the seller's oval
  发票专用章 with its tax id over 备注 / 销售方(章);
- legacy electronic invoices (``vat_e_normal`` / ``vat_e_special``): the same form in brown, 机器编号 and 校验码, the
  seller seal as an image, no copy label;
- 数电票 (``digital_special`` / ``digital_normal``): 电子发票（增值税专用发票）, 20-digit number, buyer and seller side by
  side, the new-style 监制章 at the top and no seller seal.

:func:`spec_from_deal` fills an :class:`InvoiceSpec` from a deal; every printed value comes from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .common import amount_upper, fmt_amount, money
from .deal import Deal, Item
from .fakedata import PROVINCE_BUREAU, Company, digits, person_name
from .invoice_form import draw_digital, draw_legacy
from .layout import Canvas, fake_qr
from .model import DocLayout
from .seals import SealSpec

KINDS = ("vat_special", "vat_normal", "vat_e_special", "vat_e_normal", "digital_special", "digital_normal")
COPY_LABEL = {"invoice_copy": "发票联", "deduction_copy": "抵扣联", "bookkeeping_copy": "记账联"}
COPY_SIDE = {"invoice_copy": "第三联：发票联 购买方记账凭证", "deduction_copy": "第二联：抵扣联 购买方扣税凭证",
             "bookkeeping_copy": "第一联：记账联 销售方记账凭证"}
COPY_COLOUR = {"invoice_copy": (150, 75, 30), "deduction_copy": (30, 110, 70), "bookkeeping_copy": (60, 70, 150),
               None: (150, 75, 30)}
REGION_CODE = {"深圳": ("4403", "44"), "北京": ("1100", "11"), "上海": ("3100", "31"), "广东": ("4400", "44"),
               "浙江": ("3300", "33"), "江苏": ("3200", "32"), "四川": ("5100", "51"), "湖北": ("4200", "42")}


@dataclass(frozen=True)
class InvoiceLine:
    name: str  # as printed, e.g. *信息技术服务*系统实施服务
    amount: Decimal  # 金额, tax excluded
    tax_rate: str | None  # "13%", "免税"; None prints ***
    tax: Decimal
    unit: str = ""
    quantity: int | None = None
    model: str = ""  # 规格型号

    @property
    def unit_price(self) -> Decimal | None:
        return money(self.amount / self.quantity) if self.quantity else None


@dataclass(frozen=True)
class InvoiceSpec:
    kind: str
    invoice_number: str
    issue_date: date
    buyer: Company
    seller: Company
    lines: tuple[InvoiceLine, ...]
    region: str  # the issuing region printed in the title / 监制章 (深圳, 江苏...)
    copy_type: str | None = None  # paper only
    invoice_code: str | None = None  # legacy kinds only
    check_code: str | None = None
    supervision_seal: SealSpec | None = None
    seller_seal: SealSpec | None = None  # 数电票: None
    remark: str = ""
    drawer: str = "张三"  # 开票人
    machine_number: str | None = None
    seed: int = 0  # QR code, cipher area, dot-matrix offset

    @property
    def amount_excl_tax(self) -> Decimal:
        return money(sum((line.amount for line in self.lines), Decimal(0)))

    @property
    def tax_amount(self) -> Decimal:
        return money(sum((line.tax for line in self.lines), Decimal(0)))

    @property
    def total(self) -> Decimal:
        return self.amount_excl_tax + self.tax_amount

    @property
    def upper(self) -> str:
        return amount_upper(self.total, yuan="圆")

    @property
    def is_digital(self) -> bool:
        return self.kind.startswith("digital")

    @property
    def is_paper(self) -> bool:
        return self.kind in ("vat_special", "vat_normal")

    @property
    def title(self) -> str:
        special = self.kind.endswith("special")
        if self.is_digital:
            return "电子发票（增值税专用发票）" if special else "电子发票（普通发票）"
        e = "电子" if self.kind.startswith("vat_e") else ""
        return f"{self.region}增值税{e}{'专用' if special else '普通'}发票"


def invoice_line(item: Item, share: Decimal = Decimal(1)) -> InvoiceLine:
    if item.kind == "hardware":
        cat = "*计算机外部设备*"
    elif item.kind == "software" and item.unit == "套":
        cat = "*软件*"
    else:
        cat = "*信息技术服务*"
    gross = money(item.amount * share)
    rate = Decimal(item.tax_rate.rstrip("%")) / 100
    net = money(gross / (1 + rate))
    return InvoiceLine(name=cat + item.name, amount=net, tax_rate=item.tax_rate, tax=gross - net, unit=item.unit,
                       quantity=item.quantity if share == 1 else None)


def supervision_for(region: str, old_style: bool = False) -> SealSpec:
    if old_style:
        return SealSpec("supervision", f"{region}国家税务总局监制", "oval")
    return SealSpec("supervision", f"国家税务总局{PROVINCE_BUREAU.get(region, region + '省')}税务局", "oval")


def numbers_for(kind: str, region: str, d: date, rng: np.random.Generator) -> tuple[str | None, str, str | None]:
    """(invoice_code, invoice_number, check_code) in the formats of each kind."""
    r4, r2 = REGION_CODE.get(region, ("4400", "44"))
    yy = f"{d.year % 100:02d}"
    if kind.startswith("digital"):
        return None, f"{yy}{r2}2" + "0000" + digits(rng, 11, first_nonzero=False), None
    check = digits(rng, 20, first_nonzero=False)
    if kind == "vat_special":
        return f"{r4}{yy}{rng.integers(1, 4)}1{rng.choice(['30', '60', '70'])}", digits(rng, 8, False), None
    suffix = {"vat_normal": "04", "vat_e_normal": "11", "vat_e_special": "13"}[kind]
    return f"0{r4[:3]}{r4[3]}{yy}{digits(rng, 3, False)}{suffix}"[:12], digits(rng, 8, False), check


def spec_from_deal(deal: Deal, rng: np.random.Generator, kind: str | None = None, copy_type: str | None = None,
                   items: tuple[Item, ...] | None = None, issue_date: date | None = None) -> InvoiceSpec:
    kind = kind or str(rng.choice(KINDS))
    if kind not in KINDS:
        raise ValueError(f"invoice kind {kind!r} not in {KINDS}")
    d = issue_date or deal.invoice_date
    region = deal.seller.region
    code, number, check = numbers_for(kind, region, d, rng)
    if kind in ("vat_special",):
        check = None
    paper = kind in ("vat_special", "vat_normal")
    seller_seal = None if kind.startswith("digital") else SealSpec("invoice", deal.seller.name, "oval",
                                                                  code=deal.seller.tax_id)
    return InvoiceSpec(
        kind=kind, invoice_number=number, issue_date=d, buyer=deal.buyer, seller=deal.seller,
        lines=tuple(invoice_line(i) for i in (items or deal.items)), region=region,
        copy_type=(copy_type or "invoice_copy") if paper else None, invoice_code=code, check_code=check,
        supervision_seal=supervision_for(region, old_style=paper and rng.random() < 0.4), seller_seal=seller_seal,
        remark=f"合同编号：{deal.contract_number}" if rng.random() < 0.7 else "", drawer=person_name(rng),
        machine_number=None if kind.startswith("digital") or kind == "vat_special" else digits(rng, 12),
        seed=int(rng.integers(0, 2**31)))


def build(spec: InvoiceSpec, rng: np.random.Generator) -> DocLayout:
    if spec.is_digital:
        canvas = Canvas(width=612.0, height=396.0)
        draw_digital(canvas, spec)
    else:
        canvas = Canvas(width=680.0 if spec.is_paper else 612.0, height=400.0 if spec.is_paper else 396.0)
        draw_legacy(canvas, spec, np.random.default_rng(spec.seed), COPY_COLOUR[spec.copy_type],
                    COPY_LABEL.get(spec.copy_type or ""), COPY_SIDE.get(spec.copy_type or ""))
    qr = fake_qr(np.random.default_rng(spec.seed))
    canvas.image(22, 14, 22 + 58, 14 + 58, qr)
    if spec.supervision_seal:
        cx = canvas.width / 2 + (0 if spec.is_digital else 6)
        canvas.seal(spec.supervision_seal, cx, 40 if spec.is_digital else 44, int(rng.integers(0, 2**31)), opacity=0.85)
    if spec.seller_seal:
        cx, cy = canvas.width - 120 + rng.uniform(-20, 20), canvas.height - 50 + rng.uniform(-12, 8)
        canvas.seal(spec.seller_seal, cx, cy, int(rng.integers(0, 2**31)))
    fields = {
        "invoice_kind": spec.kind, "copy_type": spec.copy_type, "invoice_code": spec.invoice_code,
        "invoice_number": spec.invoice_number, "issue_date": spec.issue_date.isoformat(),
        "buyer_name": spec.buyer.name, "buyer_tax_id": spec.buyer.tax_id, "seller_name": spec.seller.name,
        "seller_tax_id": spec.seller.tax_id, "amount_excl_tax": fmt_amount(spec.amount_excl_tax),
        "tax_amount": fmt_amount(spec.tax_amount), "total_amount": fmt_amount(spec.total),
        "total_amount_upper": spec.upper, "check_code": spec.check_code,
        "items": [{"name": ln.name, "amount": fmt_amount(ln.amount), "tax_rate": ln.tax_rate} for ln in spec.lines],
    }
    return DocLayout("invoice", [canvas], fields, notes=f"synthetic {spec.title}")


__all__ = ["InvoiceLine", "InvoiceSpec", "KINDS", "build", "invoice_line", "spec_from_deal", "supervision_for"]
