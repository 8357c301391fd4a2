"""One digitalisation purchase (a "deal"): the two parties, the items bought, the dates and the money. The document
modules derive their specs from a deal, so a contract, its invoices, bank slips, acceptance certificate and voucher
agree with each other unless a scenario changes one of them on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from .common import money
from .fakedata import HARDWARE, SERVICES, SOFTWARE, Company, company, digits

KINDS = ("software", "hardware", "service")


@dataclass(frozen=True)
class Item:
    name: str
    kind: str  # software | hardware | service
    unit: str
    quantity: int
    unit_price: Decimal  # tax included (含税), as contracts quote
    tax_rate: str  # "13%", "6%"
    product_id: str | None = None
    period: tuple[date, date] | None = None  # subscription / service period

    @property
    def amount(self) -> Decimal:
        return money(self.unit_price * self.quantity)

    @property
    def rate(self) -> Decimal:
        return Decimal(self.tax_rate.rstrip("%")) / 100

    @property
    def amount_excl_tax(self) -> Decimal:
        return money(self.amount / (1 + self.rate))

    @property
    def tax(self) -> Decimal:
        return self.amount - self.amount_excl_tax


@dataclass(frozen=True)
class Deal:
    buyer: Company  # 甲方, the applicant
    seller: Company  # 乙方, the provider
    contract_number: str
    subject: str
    items: tuple[Item, ...]
    sign_date: date
    acceptance_date: date
    invoice_date: date
    payment_dates: tuple[date, ...]
    payment_shares: tuple[Decimal, ...]  # fractions of the total, summing to 1
    programme: str = "shenzhen"  # shenzhen (product ids, subscription periods) | beijing

    @property
    def total(self) -> Decimal:
        return money(sum((i.amount for i in self.items), Decimal(0)))

    def amount_of(self, kind: str) -> Decimal | None:
        parts = [i.amount for i in self.items if i.kind == kind]
        return money(sum(parts, Decimal(0))) if parts else None

    @property
    def service_period(self) -> tuple[date, date] | None:
        periods = [i.period for i in self.items if i.period]
        if not periods:
            return None
        return min(p[0] for p in periods), max(p[1] for p in periods)

    def payments(self) -> list[tuple[date, Decimal]]:
        amounts = [money(self.total * s) for s in self.payment_shares[:-1]]
        amounts.append(self.total - sum(amounts, Decimal(0)))
        return list(zip(self.payment_dates, amounts))


def _price(rng: np.random.Generator, lo: int, hi: int, step: int = 100) -> Decimal:
    return Decimal(int(rng.integers(lo // step, hi // step + 1)) * step)


def random_deal(rng: np.random.Generator, programme: str | None = None, start: date | None = None) -> Deal:
    programme = programme or str(rng.choice(["shenzhen", "beijing"]))
    buyer = company(rng, "buyer", 0 if programme == "shenzhen" else 1)
    seller = company(rng, "seller")
    if start is None:
        start = date(2024, 12, 1) if programme == "shenzhen" else date(2023, 3, 1)
    sign = start + timedelta(days=int(rng.integers(0, 150)))
    period_start = sign + timedelta(days=int(rng.integers(10, 40)))
    period_end = date(period_start.year, 12, 31) if programme == "shenzhen" else period_start + timedelta(days=364)
    items: list[Item] = []
    prefix = "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), 2))
    for kind, catalogue, n in (("software", SOFTWARE, int(rng.integers(1, 3))),
                               ("hardware", HARDWARE, int(rng.integers(0, 3))),
                               ("service", SERVICES, int(rng.integers(1, 3)))):
        for j in rng.choice(len(catalogue), n, replace=False):
            name, unit, (lo, hi) = catalogue[int(j)]
            qty = 1 if unit in ("套", "项", "年") else int(rng.integers(2, 20))
            subscription = unit == "年"
            rate = "6%" if kind == "service" or subscription else "13%"
            pid = f"{prefix}-{kind[:2].upper()}-{digits(rng, 6)}" if programme == "shenzhen" else None
            items.append(Item(name=name, kind=kind, unit=unit, quantity=qty, unit_price=_price(rng, lo, hi),
                              tax_rate=rate, product_id=pid,
                              period=(period_start, period_end) if (subscription or unit == "年") else None))
    # the 1:1 cap of service vs software holds in the ordinary case
    soft = sum((i.amount for i in items if i.kind == "software"), Decimal(0))
    items = [i if i.kind != "service" or i.amount <= soft else Item(
        i.name, i.kind, i.unit, 1, money(soft * Decimal("0.4")), i.tax_rate, i.product_id, i.period) for i in items]
    subject = items[0].name.split("（")[0] + ("及配套硬件" if any(i.kind == "hardware" for i in items) else "") + "建设项目"
    accept = period_start + timedelta(days=int(rng.integers(40, 120)))
    invoice = sign + timedelta(days=int(rng.integers(3, 30)))
    shares = (Decimal("0.3"), Decimal("0.7")) if rng.random() < 0.6 else (Decimal(1),)
    pay = (invoice + timedelta(days=int(rng.integers(1, 10))),)
    if len(shares) == 2:
        pay = pay + (accept + timedelta(days=int(rng.integers(3, 20))),)
    contract_number = f"HT{sign.year}{sign.month:02d}-{digits(rng, 4)}"
    return Deal(buyer=buyer, seller=seller, contract_number=contract_number, subject=subject, items=tuple(items),
                sign_date=sign, acceptance_date=accept, invoice_date=invoice, payment_dates=pay, payment_shares=shares,
                programme=programme)
