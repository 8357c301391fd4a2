"""Scenario submissions with expected findings: each scenario is one applicant's evidence set for one programme
(``beijing-2024`` or ``shenzhen-2025``), built from the same deal model as the rest of the generator, with at most one
deliberate fault, and a ``manifest.json`` that states the declared facts and the expected result of every rule.

The scenarios are data (:data:`SCENARIOS`, at the end of this module): contracts as lines, invoices, payments and
dates, plus *tweaks* (named changes to one document spec: a finance seal on the acceptance certificate, a payee
account that is not party B's...). :func:`plan` turns a scenario into document specs and the expected result;
:func:`write` renders them. The conventions (what passes, fails, reviews; how amounts and the subsidy are computed)
are in ``docs/scenarios.md``; the helpers below implement them once so that every manifest follows them.
"""

from __future__ import annotations

import json
import shutil
import zlib
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from . import acceptance, bank_slip, contract, invoice, voucher
from .common import amount_upper, fmt_amount, make_uscc, money, with_wrong_check
from .deal import Deal, Item
from .degrade import DegradeParams, degrade
from .fakedata import CITIES, Company, bank_account, company, digits
from .flow import Flow
from .layout import A4
from .model import DocLayout, Rendered, render_pdf, render_raster
from .photo import faxed, greyscale, photographed, transform
from .seals import SealSpec
from .writer import write as write_doc

PROGRAMMES = ("beijing-2024", "shenzhen-2025")
RULE_IDS = tuple([f"BJ-{i:02d}" for i in range(1, 17)] + [f"SZ-{i:02d}" for i in range(1, 18)]
                 + [f"X-{i:02d}" for i in range(1, 8)])
# a fail of these only removes the affected amount (the guide says "not counted"). A fail of any other rule scoped to
# a contract takes that whole contract out of the recognised total (reviewers exclude it and fund the rest); a fail
# scoped to the submission (contract None) makes it not eligible. See docs/scenarios.md, "Verdict".
DEDUCTION_RULES = frozenset({"SZ-04", "SZ-09", "SZ-12", "SZ-14"})
BJ_MIN_TOTAL, BJ_RATE, BJ_CAP = Decimal("1000000"), Decimal("0.20"), Decimal("1000000")
SZ_RATE, SZ_CAP, SZ_USAGE_END = Decimal("0.50"), Decimal("400000"), date(2025, 12, 31)
ELECTRONIC = ("vat_e_special", "vat_e_normal", "digital_special", "digital_normal")

INDUSTRY_CODE = {"精密机械": "C3484", "电子科技": "C3989", "智能装备": "C3499", "半导体": "C3973", "机器人": "C3491",
                 "精密仪器": "C4019", "模具制造": "C3525", "光电科技": "C3976", "五金商贸": "F5271"}
PILOT_INDUSTRY = {"smart_robots": "机器人", "semiconductors_ics": "半导体", "precision_instruments": "精密仪器"}
INDICATORS = ("生产设备数字化率", "关键工序数控化率", "生产设备联网率", "准时交货率", "库存周转率", "生产计划达成率")
# one-character-off spellings of trade-name characters (homophones, as a clerk mistypes them)
TYPO = dict(zip("云凌华卓博启嘉图天宏岭峰峻川帆德恒拓明星晟景智曜泓泰润源澜瀚瑞睿祥禾纳舟衡越辰达远铭锐雅驰鼎",
                "芸菱铧倬搏起佳途添弘领锋骏穿凡得亨托鸣兴盛京志耀宏太闰原兰翰锐锐翔和娜洲恒悦晨答元名瑞亚弛顶"))


# ----------------------------------------------------------------------------------------------------------------------
# scenario data model


@dataclass(frozen=True)
class L:
    """A contract line: name, kind (software | hardware | service), quantity, unit price incl. tax."""

    name: str
    kind: str
    qty: int
    price: str
    unit: str | None = None  # default: 套 / 台 / 项; 年 marks a subscription
    period: tuple[str, str] | None = None  # subscription or service period (ISO dates)

    @property
    def tax_rate(self) -> str:
        return "13%" if self.kind == "hardware" or (self.kind == "software" and self.unit != "年") else "6%"


@dataclass(frozen=True)
class Inv:
    """One invoice of a contract: the lines it bills (indices; None = all), date, kind, copy, rendering."""

    lines: tuple[int, ...] | None = None
    date: str | None = None  # None: ten days after signing
    kind: str | None = None  # None: the programme's default (数电票)
    copy: str | None = None  # paper kinds: invoice_copy (default) | deduction_copy
    variant: str | None = None


@dataclass(frozen=True)
class Pay:
    date: str
    share: str | None = None  # fraction of the contract total; None: what is left
    variant: str | None = None


@dataclass(frozen=True)
class Con:
    lines: tuple[L, ...]
    sign: str
    accept: str | None  # None: no acceptance certificate in the evidence (the deal still has a date)
    pays: tuple[Pay, ...]
    invoices: tuple[Inv, ...] = (Inv(),)
    provider: int = 0  # index of the provider (several contracts may share one)
    subject: str | None = None
    vouchers: str = "first"  # each payment | first | none
    variants: dict[str, str] | None = None  # document stem (contract, invoice_1, acceptance...) -> variant
    tweaks: tuple[tuple, ...] = ()
    accept_date_override: str | None = None  # used for the deal when accept is None


@dataclass(frozen=True)
class F:
    rule: str
    contract: str | None
    why: str


@dataclass(frozen=True)
class Scenario:
    name: str
    programme: str
    fault: str  # short label for the table
    description: str
    contracts: tuple[Con, ...]
    fail: tuple[F, ...] = ()
    review: tuple[F, ...] = ()
    declared: dict | None = None  # overrides of the declared facts
    industry: str | None = None  # the applicant's trade (name and industry code); default: random manufacturer
    region: str | None = None  # e.g. 深汕特别合作区
    grouped: bool = True
    tweaks: tuple[tuple, ...] = ()  # submission-level: no_letter, not_on_pilot_list, funded_before, srdi_until


# ----------------------------------------------------------------------------------------------------------------------
# plan: specs of every document + the expected result


@dataclass
class DocPlan:
    stem: str  # path without extension, relative to the scenario folder
    doc_type: str
    spec: object
    variant: str
    dpi: int
    contract: str | None
    seed: tuple[int, ...]


@dataclass
class ContractPlan:
    id: str
    deal: Deal
    docs: list[DocPlan] = field(default_factory=list)
    invoices: list[invoice.InvoiceSpec] = field(default_factory=list)
    slips: list[bank_slip.BankSlipSpec] = field(default_factory=list)
    catalogue_prices: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class Plan:
    scenario: Scenario
    seed: int
    buyer: Company
    providers: list[Company]
    contracts: list[ContractPlan]
    docs: list[DocPlan]
    applicant: dict
    expected: dict


def scenario_seed(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _region_of(c: Company) -> str:
    for city, _, districts, _, _ in CITIES:
        for d in districts:
            if c.address.startswith(city + d):
                return city + d
    return c.address[:6]


def _buyer(rng: np.random.Generator, sc: Scenario) -> tuple[Company, str]:
    bj = sc.programme == "beijing-2024"
    c = company(rng, "buyer", 1 if bj else 0)
    trade = c.name[len(c.city):len(c.city) + 2]
    if sc.industry:
        industry = sc.industry
    elif bj:
        industry = str(rng.choice(["精密机械", "电子科技", "智能装备", "模具制造", "光电科技", "机器人"]))
    else:
        industry = PILOT_INDUSTRY[(sc.declared or {}).get("pilot_industry", "semiconductors_ics")]
    c = replace(c, name=f"{c.city}{trade}{industry}{'股份' if rng.random() < 0.2 else ''}有限公司")
    if sc.region == "深汕特别合作区":
        c = replace(c, address=f"深汕特别合作区鹅埠镇创新大道{int(rng.integers(1, 200))}号{int(rng.integers(1, 12))}栋")
        return c, "深汕特别合作区"
    return c, _region_of(c)


def sister(rng: np.random.Generator, c: Company, industry: str) -> Company:
    """Another legal entity with the same trade name (a group company): different name, tax id and account."""
    trade = c.name[len(c.city):len(c.city) + 2]
    code = next(code for city, code, *_ in CITIES if city == c.city)
    return replace(c, name=f"{c.city}{trade}{industry}有限公司", tax_id=make_uscc(rng, code),
                   account=bank_account(rng, c.city, "高新区"))


def one_char_off(name: str, city: str) -> str:
    body = name[len(city):]
    for i, ch in enumerate(body):
        if ch in TYPO:
            return city + body[:i] + TYPO[ch] + body[i + 1:]
    raise ValueError(f"no typo candidate in {name}")


def _items(con: Con, rng: np.random.Generator, prefix: str | None) -> tuple[Item, ...]:
    out = []
    for ln in con.lines:
        unit = ln.unit or {"software": "套", "hardware": "台", "service": "项"}[ln.kind]
        kind_code = "CL" if ln.kind == "software" and unit == "年" else {"software": "SW", "hardware": "HW",
                                                                         "service": "SV"}[ln.kind]
        pid = f"{prefix}-{kind_code}-{digits(rng, 6)}" if prefix else None
        period = (_d(ln.period[0]), _d(ln.period[1])) if ln.period else None
        out.append(Item(name=ln.name, kind=ln.kind, unit=unit, quantity=ln.qty, unit_price=Decimal(ln.price),
                        tax_rate=ln.tax_rate, product_id=pid, period=period))
    return tuple(out)


def _payments(con: Con, total: Decimal) -> list[tuple[date, Decimal]]:
    out, paid = [], Decimal(0)
    for p in con.pays:
        amount = money(total * Decimal(p.share)) if p.share else total - paid
        paid += amount
        out.append((_d(p.date), amount))
    return out


def _stage(k: int, n: int) -> str:
    if n == 1:
        return "合同款"
    return "首付款" if k == 0 else "尾款" if k == n - 1 else f"第{'二三四五'[k - 1]}期进度款"


def _variant(kind: str, rng: np.random.Generator, paper: bool = False) -> str:
    table = {
        "contract": (("digital_pdf", 1.0),),  # scanned contracts (~400 KB) only where a scenario asks
        "invoice": (("scan", 0.6), ("photo", 0.4)) if paper else (("digital_pdf", 0.85), ("scan", 0.15)),
        "bank_slip": (("digital_pdf", 0.85), ("scan", 0.15)),
        "acceptance": (("scan", 0.75), ("photo", 0.1), ("scan+grey", 0.15)),
        "voucher": (("digital_pdf", 0.6), ("scan+grey", 0.3), ("scan", 0.1)),
        "other": (("scan", 0.6), ("digital_pdf", 0.4)),
    }[kind]
    names, p = zip(*table)
    return str(names[int(rng.choice(len(names), p=p))])


def _doc(stem: str, doc_type: str, spec, kind: str, con: Con | None, cid: str | None, seed: tuple[int, ...],
         paper: bool = False, variant: str | None = None) -> DocPlan:
    rng = np.random.default_rng([*seed, 1])
    name = stem.split("/")[-1]
    chosen = variant or ((con.variants or {}).get(name) if con else None) or _variant(kind, rng, paper)
    dpi = 200 if chosen == "fax" else int(rng.choice([150, 200], p=[0.8, 0.2]))
    if doc_type in ("acceptance", "contract"):  # A4 pages: 150 dpi keeps the JPEGs small
        dpi = 150 if chosen != "fax" else dpi
    return DocPlan(stem, doc_type, spec, chosen, dpi, cid, seed)


def _plan_contract(sc: Scenario, seed: int, ci: int, con: Con, buyer: Company, providers: list[Company],
                   prefixes: list[str], earlier: list[ContractPlan]) -> ContractPlan:
    rng = np.random.default_rng([seed, ci])
    cid = f"C{ci + 1}"
    sz = sc.programme == "shenzhen-2025"
    seller = providers[con.provider]
    tweaks = {t[0]: t[1:] for t in con.tweaks}
    if "same_legal_rep" in tweaks:
        seller = replace(seller, legal_rep=buyer.legal_rep)
    items = _items(con, rng, prefixes[con.provider] if sz else None)
    sign = _d(con.sign)
    subject = con.subject or (items[0].name.split("（")[0]
                              + ("及配套硬件" if any(i.kind == "hardware" for i in items) else "") + "建设项目")
    number = (f"SZDX-{sign.year}-{digits(rng, 5)}" if sz and rng.random() < 0.5
              else f"HT{sign.year}{sign.month:02d}-{digits(rng, 4)}")
    total = money(sum((i.amount for i in items), Decimal(0)))
    pays = _payments(con, total)
    inv_dates = [_d(v.date) if v.date else date.fromordinal(sign.toordinal() + 10) for v in con.invoices]
    accept = _d(con.accept or con.accept_date_override or con.sign)
    deal = Deal(buyer=buyer, seller=seller, contract_number=number, subject=subject, items=items, sign_date=sign,
                acceptance_date=accept, invoice_date=inv_dates[0], payment_dates=tuple(d for d, _ in pays),
                payment_shares=tuple(a / total for _, a in pays), programme="shenzhen" if sz else "beijing")
    cp = ContractPlan(cid, deal)
    k = 0

    def seed_of() -> tuple[int, ...]:
        nonlocal k
        k += 1
        return (seed, ci, k)

    cspec = contract.spec_from_deal(deal, rng)
    cp.docs.append(_doc(f"{cid}/contract", "contract", cspec, "contract", con, cid, seed_of()))
    if "reuse_invoice" in tweaks:  # this contract's invoice is a copy of an earlier contract's invoice
        src_c, src_i = tweaks["reuse_invoice"]
        spec = earlier[src_c].invoices[src_i]
        cp.invoices.append(spec)
        cp.docs.append(_doc(f"{cid}/invoice_1", "invoice", spec, "invoice", con, cid, seed_of(), spec.is_paper))
    else:
        for j, (v, d) in enumerate(zip(con.invoices, inv_dates)):
            kind = v.kind or "digital_special"
            chosen = tuple(items[i] for i in v.lines) if v.lines is not None else items
            spec = invoice.spec_from_deal(deal, rng, kind=kind, copy_type=v.copy, items=chosen, issue_date=d)
            if tweaks.get("invoice_buyer_taxid_check") == (j,):
                spec = replace(spec, buyer=replace(buyer, tax_id=with_wrong_check(buyer.tax_id)))
            if tweaks.get("invoice_number_short") == (j,):
                spec = replace(spec, invoice_number=spec.invoice_number[:-1])
            cp.invoices.append(spec)
            cp.docs.append(_doc(f"{cid}/invoice_{j + 1}", "invoice", spec, "invoice", con, cid, seed_of(),
                                spec.is_paper, v.variant))
    for j, (d, amount) in enumerate(pays):
        spec = bank_slip.spec_from_deal(deal, rng, j, paid=(d, amount))
        spec = replace(spec, purpose=f"{number}{_stage(j, len(pays))}")
        if tweaks.get("payer_name_typo") == (j,):
            spec = replace(spec, payer=replace(spec.payer, name=one_char_off(buyer.name, buyer.city)))
        if tweaks.get("payer_sister_company") == (j,):
            other = sister(rng, buyer, "供应链管理")
            spec = replace(spec, payer=bank_slip.Party(other.name, other.account.account, other.account.bank))
        if tweaks.get("payee_other_account") == (j,):
            acc = bank_account(rng, seller.city, "科技园")
            spec = replace(spec, payee=bank_slip.Party(seller.name, acc.account, acc.bank))
        if tweaks.get("slip_words_swapped") == (j,):
            spec = replace(spec, amount_upper=amount_upper(_swapped(amount), prefix="人民币"))
        cp.slips.append(spec)
        cp.docs.append(_doc(f"{cid}/bank_slip_{j + 1}", "bank_slip", spec, "bank_slip", con, cid, seed_of(),
                            variant=(con.pays[j].variant)))
    if con.accept:
        spec = acceptance.spec_from_deal(deal, rng)
        if "acceptance_seal" in tweaks:
            party, kind = tweaks["acceptance_seal"]
            owner = buyer.name if party == "a" else seller.name
            seals = (SealSpec(kind, owner, "round"),)
            spec = replace(spec, **{f"seals_{party}": seals})
        if "acceptance_seal_owner" in tweaks:
            (party,) = tweaks["acceptance_seal_owner"]
            other = sister(rng, seller if party == "b" else buyer, "科技服务")
            spec = replace(spec, **{f"seals_{party}": (SealSpec("official", other.name, "round"),)})
        cp.docs.append(_doc(f"{cid}/acceptance", "acceptance", spec, "acceptance", con, cid, seed_of()))
    n_vouchers = {"each": len(pays), "first": 1, "none": 0}[con.vouchers]
    for j in range(n_vouchers):
        spec = voucher.spec_from_deal(deal, rng, payment=min(j, 1), paid=pays[j])
        cp.docs.append(_doc(f"{cid}/voucher_{j + 1}", "voucher", spec, "voucher", con, cid, seed_of()))
    if "catalogue_price" in tweaks:
        line, price = tweaks["catalogue_price"]
        cp.catalogue_prices[line] = Decimal(price)
    return cp


def _swapped(amount: Decimal) -> Decimal:
    s = str(int(amount))
    i = next(i for i in range(len(s) - 1) if s[i] != s[i + 1])
    return Decimal(s[:i] + s[i + 1] + s[i] + s[i + 2:]) + (amount - int(amount))


# ----------------------------------------------------------------------------------------------------------------------
# the e-invoice usage commitment letter (Shenzhen 附件4)


@dataclass(frozen=True)
class LetterSpec:
    company: Company
    invoice_numbers: tuple[str, ...]
    letter_date: date


def build_letter(spec: LetterSpec, rng: np.random.Generator) -> DocLayout:
    f = Flow(margin_x=72.0, margin_top=80.0)
    f.line("附件4", family="sans_bold")
    f.skip(8)
    f.title("票据使用承诺函")
    f.line("深圳市中小企业服务局：")
    nums = "、".join(spec.invoice_numbers)
    f.para(f"我单位申报2025年深圳市中小企业数字化转型城市试点第二批中小企业数字化改造专项支持项目，所提交的电子发票"
           f"（发票号码：{nums}）均为真实、合法、有效的票据，与项目合同内容一致，未在其他财政资金项目中重复使用或重复报销。")
    f.para("我单位承诺：上述电子发票仅用于本项目申报，不重复入账、不重复报销；如有违反，愿意承担由此产生的一切法律责任，"
           "并退回已获得的财政资助资金。")
    f.para("特此承诺。")
    f.skip(30)

    def sign(c, top: float) -> None:
        x = A4[0] - 300
        c.text(x, top, f"承诺单位（盖章）：{spec.company.name}", 10.5, "serif", max_width=260)
        c.text(x, top + 30, "法定代表人（签字）：", 10.5, "serif")
        c.text(x, top + 60, f"日期：{spec.letter_date.year}年{spec.letter_date.month:02d}月{spec.letter_date.day:02d}日",
               10.5, "serif")
        c.seal(SealSpec("official", spec.company.name, "round", code=spec.company.seal_code), x + 150 +
               rng.uniform(-20, 20), top + 30 + rng.uniform(-10, 10), int(rng.integers(0, 2**31)))

    f.block(100, sign)
    return DocLayout("other", f.canvases, {}, notes="synthetic 票据使用承诺函 (附件4, Shenzhen e-invoice commitment)")


# ----------------------------------------------------------------------------------------------------------------------
# expected result


def _rule_key(f: dict) -> tuple:
    return RULE_IDS.index(f["rule_id"]), f["contract"] or ""


def _finding(f: F, standing: bool | None = None) -> dict:
    out = {"rule_id": f.rule, "contract": f.contract, "why": f.why}
    if standing is not None:
        out["standing"] = standing
    return out


def _sz_eligible_items(items: tuple[Item, ...]) -> Decimal:
    """SZ-04: a subscription's usage beyond 2025-12-31 is not counted (pro rata by days, both ends included);
    SZ-09: the service fee counts at most as much as the (counted) software fee."""
    counted = {"software": Decimal(0), "hardware": Decimal(0), "service": Decimal(0)}
    for it in items:
        amount = it.amount
        if it.period and it.period[1] > SZ_USAGE_END:
            start, end = it.period
            inside = (min(end, SZ_USAGE_END) - start).days + 1
            amount = money(amount * Decimal(max(inside, 0)) / Decimal((end - start).days + 1))
        counted[it.kind] += amount
    return counted["software"] + counted["hardware"] + min(counted["service"], counted["software"])


def _amounts(sc: Scenario, cps: list[ContractPlan], fails: list[F]) -> list[dict]:
    sz = sc.programme == "shenzhen-2025"
    seen_inv, seen_serial, out = set(), set(), []
    for cp in cps:
        d = cp.deal
        excluded = sorted({f.rule for f in fails if f.contract == cp.id and f.rule not in DEDUCTION_RULES},
                          key=RULE_IDS.index)
        inv_raw = inv_counted = Decimal(0)
        for s in cp.invoices:
            inv_raw += s.total
            key = (s.invoice_code, s.invoice_number)
            ok = key not in seen_inv
            seen_inv.add(key)
            if sz:
                ok = ok and s.copy_type != "deduction_copy" and s.buyer.name == d.buyer.name \
                     and s.seller.name == d.seller.name
            inv_counted += s.total if ok else 0
        paid_raw = paid_counted = Decimal(0)
        for s in cp.slips:
            paid_raw += s.amount
            ok = s.serial_number not in seen_serial
            seen_serial.add(s.serial_number)
            if sz:
                ok = ok and s.payee.account == d.seller.account.account and s.payer.name == d.buyer.name \
                     and s.payee.name == d.seller.name
            paid_counted += s.amount if ok else 0
        base = _sz_eligible_items(d.items) if sz else d.total
        if sz and (inv_counted < inv_raw or paid_counted < paid_raw):
            declared = {f.rule for f in fails if f.contract == cp.id}
            if not declared & {"SZ-11", "SZ-12", "SZ-14", "X-06"}:
                raise ValueError(f"{sc.name} {cp.id}: documents not counted but no SZ-11/12/14 or X-06 fail declared")
        if sz and base < d.total and not {f.rule for f in fails if f.contract == cp.id} & {"SZ-04", "SZ-09"}:
            raise ValueError(f"{sc.name} {cp.id}: items capped but no SZ-04/SZ-09 fail declared")
        recognised = Decimal(0) if excluded else min(base, inv_counted, paid_counted)
        row = {"id": cp.id, "contract_number": d.contract_number, "files": [], "contract_total": fmt_amount(d.total),
               "invoice_total": fmt_amount(inv_raw), "invoice_total_counted": fmt_amount(inv_counted),
               "paid_total": fmt_amount(paid_raw), "paid_total_counted": fmt_amount(paid_counted)}
        if sz:
            row["eligible_items"] = fmt_amount(base)
        row.update({"recognised": fmt_amount(recognised), "excluded_by": excluded})
        out.append(row)
    return out


def _check_dates(sc: Scenario, cps: list[ContractPlan], submitted: date) -> None:
    """Guard against authoring slips: a date fault in the documents must be declared as the matching fail."""
    declared = {(f.rule, f.contract) for f in sc.fail}
    signed = [cp.deal.sign_date for cp in cps]
    if signed != sorted(signed):
        raise ValueError(f"{sc.name}: contracts must be listed in the order of signing (C1 first)")
    for cp, con in zip(cps, sc.contracts):
        d = cp.deal
        others = [s.issue_date for s in cp.invoices] + [s.transaction_time.date() for s in cp.slips]
        if (min(others) < d.sign_date or (con.accept and d.acceptance_date < d.sign_date)) \
                and ("X-05", cp.id) not in declared:
            raise ValueError(f"{sc.name} {cp.id}: dates out of order but no X-05 fail declared")
        if max(others + [d.acceptance_date]) > submitted:
            raise ValueError(f"{sc.name} {cp.id}: a document is dated after the submission")
        if sc.programme == "beijing-2024":
            if d.sign_date < date(2023, 1, 1) and ("BJ-05", cp.id) not in declared:
                raise ValueError(f"{sc.name} {cp.id}: signed before 2023 but no BJ-05 fail declared")
            if con.accept and not date(2023, 8, 1) <= d.acceptance_date <= date(2024, 7, 31) \
                    and ("BJ-06", cp.id) not in declared:
                raise ValueError(f"{sc.name} {cp.id}: acceptance outside the window but no BJ-06 fail declared")
        elif min(others + [d.sign_date, d.acceptance_date]) < date(2024, 11, 22) and ("SZ-05", cp.id) not in declared:
            raise ValueError(f"{sc.name} {cp.id}: dates before 2024-11-22 but no SZ-05 fail declared")


def _expected(sc: Scenario, cps: list[ContractPlan]) -> dict:
    bj = sc.programme == "beijing-2024"
    fails = list(sc.fail)
    reviews = [(r, False) for r in sc.review]
    for cp in cps:  # X-04 is raised wherever the invoices or the payments do not add up to the contract
        inv = sum((s.total for s in cp.invoices), Decimal(0))
        paid = sum((s.amount for s in cp.slips), Decimal(0))
        if (inv != cp.deal.total or paid != cp.deal.total) and not any(
                r.rule == "X-04" and r.contract == cp.id for r in sc.review):
            reviews.append((F("X-04", cp.id, f"contract {fmt_amount(cp.deal.total)}, invoices {fmt_amount(inv)}, "
                                             f"payments {fmt_amount(paid)}: the lowest is recognised"), False))
    contracts = _amounts(sc, cps, fails)
    total = money(sum((Decimal(c["recognised"]) for c in contracts), Decimal(0)))
    if bj and total < BJ_MIN_TOTAL and not any(f.rule == "BJ-13" for f in fails):
        fails.append(F("BJ-13", None, f"recognised total {fmt_amount(total)} is below 1000000.00"))
    # standing reviews: the human part of mixed rules and the application package outside the evidence set
    failed = {(f.rule, f.contract) for f in fails}
    if bj:
        for cp in cps:
            if ("BJ-04", cp.id) not in failed:
                reviews.append((F("BJ-04", cp.id, "whether the contract content is digital empowerment and nothing "
                                                  "unrelated is a reviewer's call"), True))
            if ("BJ-07", cp.id) not in failed:
                reviews.append((F("BJ-07", cp.id, "legal representatives differ; a parent/subsidiary or controlling "
                                                  "relation cannot be excluded from the documents"), True))
        reviews.append((F("BJ-15", None, "the sealed application PDFs (申请表, 统计表, 证明材料, 承诺书) are not part of "
                                         "this evidence set"), True))
    else:
        reviews.append((F("SZ-16", None, "the bound application volume (per-page seals, 骑缝章, continuous page "
                                         "numbers) is not part of this evidence set"), True))
    # a submission-level fail (incl. BJ-13 on what is left after the exclusions) is fatal; a contract-level fail
    # (excluding or deducting) or a non-standing review sends the submission to a reviewer
    # ...and a submission with nothing left to fund (every contract excluded) is not eligible either
    if any(f.contract is None for f in fails) or total == 0:
        verdict = "not_eligible"
    elif fails or any(not standing for _, standing in reviews):
        verdict = "needs_review"
    else:
        verdict = "eligible"
    for c in contracts:
        if c["excluded_by"]:
            c["verdict"] = "not_eligible"
        elif any(f.contract == c["id"] for f in fails) or any(
                r.contract == c["id"] and not standing for r, standing in reviews):
            c["verdict"] = "needs_review"  # only deduction fails are left here
        else:
            c["verdict"] = "eligible"
    if verdict == "not_eligible":
        subsidy = Decimal(0)
    elif bj:
        subsidy = min(money(total * BJ_RATE), BJ_CAP)
    else:
        subsidy = min(money(total * SZ_RATE), SZ_CAP)
    return {
        "fail": sorted((_finding(f) for f in fails), key=_rule_key),
        "review": sorted((_finding(f, s) for f, s in reviews), key=_rule_key),
        "verdict": verdict,
        "recognised_total": fmt_amount(total),
        "subsidy": fmt_amount(subsidy),
        "contracts": contracts,
    }


def _applicant(sc: Scenario, buyer: Company, region: str, cps: list[ContractPlan]) -> dict:
    bj = sc.programme == "beijing-2024"
    industry = next((k for k in INDUSTRY_CODE if k in buyer.name), "精密机械")
    out = {"name": buyer.name, "tax_id": buyer.tax_id, "registered_region": region,
           "independent_legal_person": True, "serious_dishonesty": False}
    last = max(cp.deal.acceptance_date for cp in cps)
    if bj:
        out.update({"srdi_status": "专精特新中小企业", "srdi_valid_until": f"{last.year + 2}-12-31",
                    "industry_code": INDUSTRY_CODE[industry], "prior_municipal_funding": False,
                    "related_party": False, "submitted_at": "2024-07-26T10:18:00+08:00"})
    else:
        out.update({"srdi_status": None, "srdi_valid_until": None, "industry_code": INDUSTRY_CODE[industry],
                    "pilot_industry": "semiconductors_ics", "on_pilot_list": True, "digital_level_after": 2,
                    "effect_indicators": list(INDICATORS[:4]), "already_funded": False, "related_party": False,
                    "submitted_at": "2025-07-28T15:40:00+08:00"})
    out.update(sc.declared or {})
    return out


def plan(sc: Scenario) -> Plan:
    if sc.programme not in PROGRAMMES:
        raise ValueError(f"{sc.name}: programme {sc.programme!r} not in {PROGRAMMES}")
    seed = scenario_seed(sc.name)
    rng = np.random.default_rng([seed, 999])
    buyer, region = _buyer(rng, sc)
    n_prov = 1 + max(c.provider for c in sc.contracts)
    providers = [company(rng, "seller") for _ in range(n_prov)]
    prefixes = ["".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), 2)) for _ in range(n_prov)]
    cps: list[ContractPlan] = []
    for ci, con in enumerate(sc.contracts):
        cps.append(_plan_contract(sc, seed, ci, con, buyer, providers, prefixes, cps))
    docs = [d for cp in cps for d in cp.docs]
    tweaks = {t[0]: t[1:] for t in sc.tweaks}
    e_numbers = tuple(s.invoice_number for cp in cps for s in cp.invoices if s.kind in ELECTRONIC)
    if sc.programme == "shenzhen-2025" and e_numbers and "no_letter" not in tweaks:
        letter = LetterSpec(buyer, tuple(dict.fromkeys(e_numbers)), date(2025, 7, 25))
        docs.append(_doc("commitment_letter", "other", letter, "other", None, None, (seed, 99, 1)))
    if not sc.grouped:  # flat folder, shuffled, neutral names: the pipeline must classify and group
        order = np.random.default_rng([seed, 7]).permutation(len(docs))
        docs = [replace(docs[int(i)], stem=f"doc_{k + 1:02d}") for k, i in enumerate(order)]
    applicant = _applicant(sc, buyer, region, cps)
    _check_dates(sc, cps, date.fromisoformat(applicant["submitted_at"][:10]))
    return Plan(sc, seed, buyer, providers, cps, docs, applicant, _expected(sc, cps))


# ----------------------------------------------------------------------------------------------------------------------
# rendering and writing


def _scan(doc: Rendered, rng: np.random.Generator) -> Rendered:
    """A flatbed scan, lighter than ``photo.scanned`` (less sensor noise) to keep the committed JPEGs small."""
    q = int(rng.integers(56, 68))
    params = []
    for i, page in enumerate(doc.pages):
        p = DegradeParams(skew_deg=round(float(rng.uniform(-1.8, 1.8)), 2),
                          blur_sigma=round(float(rng.uniform(0.3, 0.7)), 2),
                          noise_sigma=round(float(rng.uniform(0.8, 2.0)), 1),
                          light_strength=round(float(rng.uniform(0.04, 0.18)), 2),
                          light_angle=round(float(rng.uniform(0, 360)), 1), jpeg_quality=q)
        out = degrade(page, int(rng.integers(0, 2**31)), params=p, apply_jpeg=False)
        doc = transform(doc, i, np.vstack([out.matrix, [0, 0, 1]]), out.image)
        params.append(asdict(p))
    return replace(doc, variant="scan", params={"pages": params, "jpeg_quality": q})


def render(layout: DocLayout, variant: str, dpi: int, rng: np.random.Generator) -> Rendered:
    if variant == "digital_pdf":
        return render_pdf(layout, dpi=200, seal_dpi=120, seal_alpha_levels=16)  # keeps the committed PDFs small
    doc = render_raster(layout, dpi)
    if variant.startswith("scan"):
        doc = _scan(doc, rng)
    elif variant == "photo":
        doc = photographed(doc, rng, size=(1440, 1080))
        doc = replace(doc, params={**doc.params, "jpeg_quality": int(rng.integers(70, 80))})
    elif variant == "fax":
        doc = faxed(doc, rng)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    if variant.endswith("grey"):
        doc = greyscale(doc, rng)
    return doc


BUILDERS = {"contract": contract.build, "invoice": invoice.build, "bank_slip": bank_slip.build,
            "acceptance": acceptance.build, "voucher": voucher.build, "other": build_letter}


def write(p: Plan, out: Path) -> dict:
    """Render every document of the plan into ``out/<scenario>/`` (replacing what was there) and write its manifest."""
    root = out / p.scenario.name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    files = []
    for d in p.docs:
        layout = BUILDERS[d.doc_type](d.spec, np.random.default_rng([*d.seed, 2]))
        doc = render(layout, d.variant, d.dpi, np.random.default_rng([*d.seed, 3]))
        path, lpath = write_doc(layout, doc, root, d.stem, p.seed)
        files.append({"file": str(path.relative_to(root)), "doc_type": d.doc_type,
                      "label": str(lpath.relative_to(root)), "variant": doc.variant, "contract": d.contract})
    expected = json.loads(json.dumps(p.expected))
    by_contract = {c["id"]: c for c in expected["contracts"]}
    for f in files:
        if f["contract"]:
            by_contract[f["contract"]]["files"].append(f["file"])
    manifest = {
        "scenario": p.scenario.name,
        "description": p.scenario.description,
        "programme": p.scenario.programme,
        "applicant": p.applicant,
        "contracts": [{"id": c["id"], "files": c["files"]} for c in expected["contracts"]]
        if p.scenario.grouped else None,
        "files": files,
        "expected": expected,
        "seed": p.seed,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


# ----------------------------------------------------------------------------------------------------------------------
# reference data (what the programme offices publish), consistent with the scenarios


def _kind_of(it: Item) -> str:
    return "cloud" if it.kind == "software" and it.unit == "年" else it.kind


def reference(plans: list[Plan]) -> dict[str, dict]:
    rng = np.random.default_rng([20240801, 1])
    providers: dict[str, dict] = {}
    pilot, srdi, funded = [], [], []
    for p in plans:
        tweaks = {t[0]: t[1:] for t in p.scenario.tweaks}
        a = p.applicant
        if p.scenario.programme == "shenzhen-2025":
            if "not_on_pilot_list" not in tweaks:
                pilot.append({"name": a["name"], "tax_id": a["tax_id"], "industry": a["pilot_industry"],
                              "batch": "第二批拟改造企业名录"})
            r = np.random.default_rng([p.seed, 5])
            for cp in p.contracts:
                s = cp.deal.seller
                entry = providers.setdefault(s.tax_id, {"name": s.name, "tax_id": s.tax_id, "products": {}})
                for i, it in enumerate(cp.deal.items):
                    price = cp.catalogue_prices.get(i)
                    if price is None:
                        price = money((it.unit_price * Decimal(str(round(float(r.uniform(1.0, 1.2)), 3))) / 100)
                                      .to_integral_value(rounding="ROUND_CEILING") * 100)
                    entry["products"].setdefault(it.product_id, {
                        "product_id": it.product_id, "name": it.name, "kind": _kind_of(it), "unit": it.unit,
                        "registered_price": fmt_amount(price)})
        else:
            srdi.append({"name": a["name"], "tax_id": a["tax_id"], "status": a["srdi_status"],
                         "valid_from": f"{int(a['srdi_valid_until'][:4]) - 3}-01-01",
                         "valid_until": a["srdi_valid_until"]})
            if "funded_before" in tweaks:
                (cid,) = tweaks["funded_before"]
                cp = next(c for c in p.contracts if c.id == cid)
                funded.append({"enterprise": a["name"], "tax_id": a["tax_id"],
                               "fund": "北京市高精尖产业发展资金（智能化技术改造）", "approved": "2024-06-14",
                               "project": cp.deal.subject, "contract_numbers": [cp.deal.contract_number],
                               "invoice_numbers": [s.invoice_number for s in cp.invoices]})
    for _ in range(3):  # published entries that no scenario uses
        c = company(rng, "buyer", 1)
        funded.append({"enterprise": c.name, "tax_id": c.tax_id, "fund": "北京市中小企业发展资金",
                       "approved": "2023-11-20", "project": "生产制造执行系统建设项目",
                       "contract_numbers": [f"HT2023{int(rng.integers(1, 13)):02d}-{digits(rng, 4)}"],
                       "invoice_numbers": ["2311200000" + digits(rng, 10, False)]})
        s = company(rng, "seller")
        providers[s.tax_id] = {"name": s.name, "tax_id": s.tax_id, "products": {
            pid: {"product_id": pid, "name": n, "kind": k, "unit": u, "registered_price": pr}
            for pid, n, k, u, pr in ((f"ZZ-SW-{digits(rng, 6)}", "数字孪生工厂可视化平台", "software", "套", "260000.00"),
                                     (f"ZZ-HW-{digits(rng, 6)}", "5G工业网关", "hardware", "台", "9800.00"),
                                     (f"ZZ-SV-{digits(rng, 6)}", "数据治理实施服务", "service", "项", "120000.00"))}}
        p0 = company(rng, "buyer", 0)
        pilot.append({"name": p0.name, "tax_id": p0.tax_id, "industry": "precision_instruments",
                      "batch": "第三批增补企业名录"})
    earlier = company(rng, "buyer", 0)
    # the applicant of the demo submission (fixtures/demo, scripts/make_demo.py)
    srdi.append({"name": "北京精工智能制造有限公司", "tax_id": "91110108MA01ABCD5T", "status": "专精特新中小企业",
                 "valid_from": "2023-01-01", "valid_until": "2026-12-31"})
    return {
        "shenzhen-2025-catalogue.json": {
            "title": "深圳市中小企业数字化转型城市试点数字化服务商及产品名录（虚构）",
            "note": "fictional; registered_price is the price per unit (含税) filed by the provider",
            "providers": [{**v, "products": sorted(v["products"].values(), key=lambda x: x["product_id"])}
                          for _, v in sorted(providers.items())]},
        "shenzhen-2025-pilot-enterprises.json": {
            "title": "深圳市中小企业数字化转型城市试点拟改造企业名录（虚构）",
            "note": "fictional; industry: smart_robots | semiconductors_ics | precision_instruments",
            "enterprises": sorted(pilot, key=lambda x: x["tax_id"]),
            "previously_funded": [{"name": earlier.name, "tax_id": earlier.tax_id,
                                   "reason": "已纳入工信厅联企业〔2022〕22号改造试点"}]},
        "beijing-2024-srdi-enterprises.json": {
            "title": "北京市专精特新中小企业及专精特新“小巨人”企业名单（虚构）",
            "note": "fictional; status as declared, valid_from..valid_until inclusive",
            "enterprises": sorted(srdi, key=lambda x: x["tax_id"])},
        "beijing-2024-funded-projects.json": {
            "title": "已获北京市市级财政资金支持的数字化转型项目（虚构）",
            "note": "fictional; contracts and invoices already funded by Beijing municipal funds (BJ-08, X-06)",
            "projects": sorted(funded, key=lambda x: x["tax_id"])},
    }


# ----------------------------------------------------------------------------------------------------------------------
# the scenarios

BJ, SZ = "beijing-2024", "shenzhen-2025"


def sw(name: str, price: str, qty: int = 1) -> L:
    return L(name, "software", qty, price)


def sub(name: str, price: str, start: str, end: str) -> L:
    return L(name, "software", 1, price, unit="年", period=(start, end))


def hw(name: str, qty: int, price: str) -> L:
    return L(name, "hardware", qty, price)


def sv(name: str, price: str) -> L:
    return L(name, "service", 1, price)


def two_pays(first: str, last: str, share: str = "0.3") -> tuple[Pay, ...]:
    return Pay(first, share), Pay(last)


MES, APS, PLM = "制造执行系统（MES）软件", "高级计划与排程（APS）系统", "产品生命周期管理（PLM）软件"
WMS, QMS, IOT = "仓储管理系统（WMS）", "质量追溯管理系统", "设备物联管理平台"
ERP, EMS = "企业资源计划（ERP）云平台订阅", "能耗管理SaaS服务"
GW, EDGE, PAD, RFID, SWITCH = "工业数据采集网关", "边缘计算服务器", "工业平板电脑", "RFID读写器", "工业交换机"
IMPL, MIG, TRAIN = "系统实施服务", "数据迁移与接口开发服务", "现场部署及培训服务"

# a clean Beijing contract of >= 1,000,000 that several fault scenarios put next to the faulty one
BJ_BIG = Con((sw(APS, "420000"), sw(IOT, "300000"), hw(GW, 20, "6000"), sv(IMPL, "190000")),
             sign="2023-05-09", accept="2023-10-16", pays=two_pays("2023-05-26", "2023-10-27"))

SCENARIOS: tuple[Scenario, ...] = (
    # ---------------------------------------------------------------- Beijing: clean
    Scenario(
        "bj_clean", BJ, "none (clean)",
        "Two accepted contracts of 618,000 and 480,000: only together do they reach the 1,000,000 threshold.",
        (Con((sw(MES, "380000"), hw(GW, 12, "6500"), sv(IMPL, "160000")), sign="2023-06-12", accept="2023-11-20",
             pays=two_pays("2023-07-03", "2023-11-30"), invoices=(Inv(date="2023-06-26"),)),
         Con((sw(APS, "260000"), hw(EDGE, 2, "45000"), sv(MIG, "130000")), sign="2023-12-05", accept="2024-04-18",
             pays=two_pays("2023-12-22", "2024-04-26"), invoices=(Inv(date="2023-12-15", kind="vat_special"),),
             variants={"acceptance": "photo"}))),
    Scenario(
        "bj_clean_ungrouped", BJ, "none (clean), no contract grouping",
        "Clean, two contracts (626,000 + 436,000), but the files lie flat under neutral names and the manifest "
        "gives no grouping: the pipeline must classify and group them itself.",
        (Con((sw(PLM, "420000"), hw(PAD, 20, "5800"), sv(TRAIN, "90000")), sign="2023-04-18", accept="2023-09-12",
             pays=two_pays("2023-05-06", "2023-09-25"), invoices=(Inv(date="2023-04-28"),),
             variants={"contract": "scan"}),
         Con((sw(WMS, "230000"), hw(RFID, 16, "3500"), sv(IMPL, "150000")), sign="2024-01-08", accept="2024-05-30",
             pays=two_pays("2024-01-19", "2024-06-11"), invoices=(Inv(date="2024-01-15", kind="vat_e_special"),))),
        grouped=False),
    Scenario(
        "bj_several_invoices_partial_payments", BJ, "none (clean), 3 invoices and 4 payments",
        "One contract of 1,298,000 billed by three invoices (software, hardware, service) and paid in four "
        "instalments (30/40/20/10 %); everything adds up.",
        (Con((sw(MES, "560000"), sw(IOT, "240000"), hw(GW, 20, "5200"), hw(EDGE, 3, "38000"), sv(IMPL, "280000")),
             sign="2023-09-01", accept="2024-03-08",
             invoices=(Inv((0, 1), "2023-09-15"), Inv((2, 3), "2023-10-20", kind="vat_special"),
                       Inv((4,), "2024-03-10")),
             pays=(Pay("2023-09-20", "0.3"), Pay("2023-11-06", "0.4"), Pay("2024-03-18", "0.2"),
                   Pay("2024-04-22")), vouchers="each"),)),
    Scenario(
        "bj_subsidy_cap", BJ, "none (clean), subsidy cap reached",
        "Two contracts totalling 6,000,000: 20 % would be 1,200,000, the subsidy is capped at 1,000,000.",
        (Con((sw(MES, "1350000"), sw(APS, "650000"), hw(EDGE, 6, "85000"), hw(GW, 60, "9000"), sv(IMPL, "600000")),
             sign="2023-03-20", accept="2023-10-30", pays=two_pays("2023-04-10", "2023-11-15")),
         Con((sw(PLM, "900000"), sw(IOT, "600000"), hw(SWITCH, 40, "6500"), sv(MIG, "590000")), sign="2023-08-15",
             accept="2024-06-20", pays=two_pays("2023-09-01", "2024-07-02")))),
    # ---------------------------------------------------------------- Beijing: amounts and consistency
    Scenario(
        "bj_invoice_below_contract", BJ, "invoice total below contract",
        "Contract 1,260,000, but only the goods invoice (1,080,000) is supplied; the service part is not invoiced. "
        "The lowest amount is recognised (BJ-12).",
        (Con((sw(MES, "600000"), hw(EDGE, 4, "48000"), hw(GW, 30, "9600"), sv(IMPL, "180000")), sign="2023-07-03",
             accept="2023-12-14", pays=two_pays("2023-07-20", "2023-12-26"), invoices=(Inv((0, 1, 2)),)),)),
    Scenario(
        "bj_name_one_char_off", BJ, "party name one character off",
        "The first bank slip names a payer whose name differs from party A by one character (a homophone); the slip "
        "carries no tax id to settle it.",
        (Con((sw(IOT, "450000"), sw(QMS, "260000"), hw(GW, 25, "7200"), sv(IMPL, "210000")), sign="2023-08-08",
             accept="2024-01-16", pays=(Pay("2023-08-25", "0.3", "digital_pdf"), Pay("2024-01-26")),
             tweaks=(("payer_name_typo", 0),)),),
        fail=(F("X-01", "C1", "bank slip 1: the payer's name differs from party A by one character"),)),
    Scenario(
        "bj_figures_words_mismatch", BJ, "amount in figures vs words",
        "The first bank slip prints an amount in words (大写) that does not match its figures (two digits swapped).",
        (Con((sw(MES, "520000"), hw(PAD, 30, "6200"), hw(SWITCH, 12, "7500"), sv(IMPL, "254000")),
             sign="2023-10-10", accept="2024-04-02", pays=(Pay("2023-10-24", "0.3", "digital_pdf"),
                                                           Pay("2024-04-15")),
             tweaks=(("slip_words_swapped", 0),)),),
        fail=(F("X-03", "C1", "bank slip 1: the amount in words does not equal the amount in figures"),)),
    Scenario(
        "bj_payment_before_contract", BJ, "payment dated before the contract",
        "The first payment is dated a week before the contract was signed.",
        (Con((sw(QMS, "300000"), sw(IOT, "350000"), hw(GW, 25, "6400"), sv(IMPL, "230000")), sign="2023-10-16",
             accept="2024-03-21", pays=two_pays("2023-10-09", "2024-04-01"), invoices=(Inv(date="2023-10-20"),)),),
        fail=(F("X-05", "C1", "bank slip 1 is dated before the contract's signing date"),)),
    Scenario(
        "bj_invalid_tax_id", BJ, "tax id with an invalid check character",
        "The paper VAT invoice prints the buyer's 统一社会信用代码 with a wrong final check character.",
        (Con((sw(APS, "450000"), sw(PLM, "380000"), sv(IMPL, "190000")), sign="2023-06-19", accept="2023-12-05",
             pays=two_pays("2023-07-05", "2023-12-18"), invoices=(Inv(kind="vat_special", variant="scan"),),
             tweaks=(("invoice_buyer_taxid_check", 0),)),),
        fail=(F("X-01", "C1", "invoice 1: the buyer's tax id fails its check character (and so differs from "
                              "party A's)"),)),
    Scenario(
        "bj_total_below_1m", BJ, "total below 1,000,000",
        "A clean single contract of 860,000: below the programme's 1,000,000 threshold.",
        (Con((sw(QMS, "360000"), hw(GW, 15, "6000"), sv(IMPL, "410000")), sign="2023-09-12", accept="2024-02-27",
             pays=two_pays("2023-09-28", "2024-03-08")),)),
    # ---------------------------------------------------------------- Beijing: contract eligibility
    Scenario(
        "bj_acceptance_outside_window", BJ, "acceptance date outside the window",
        "The contract was accepted on 2023-07-18, before the window 2023-08-01 … 2024-07-31 opened.",
        (Con((sw(WMS, "380000"), hw(RFID, 40, "4500"), hw(PAD, 25, "5600"), sv(IMPL, "250000"), sv(TRAIN, "170000")),
             sign="2023-02-14", accept="2023-07-18", pays=two_pays("2023-02-28", "2023-07-28"),
             invoices=(Inv(date="2023-02-24"),)),),
        fail=(F("BJ-06", "C1", "acceptance certificate dated 2023-07-18, before 2023-08-01"),)),
    Scenario(
        "bj_signed_before_2023", BJ, "contract signed before 2023",
        "The contract was signed on 2022-11-08 (accepted in the window): contracts must be signed on or after "
        "2023-01-01.",
        (Con((sw(PLM, "480000"), hw(EDGE, 5, "52000"), sv(IMPL, "340000")), sign="2022-11-08", accept="2023-09-05",
             pays=two_pays("2022-11-28", "2023-09-15"), invoices=(Inv(date="2022-11-20", kind="vat_special"),),
             variants={"contract": "scan"}),),
        fail=(F("BJ-05", "C1", "contract signed on 2022-11-08, before 2023-01-01"),)),
    Scenario(
        "bj_finance_seal_acceptance", BJ, "finance seal on the acceptance certificate",
        "C2's acceptance certificate carries party A's 财务专用章 instead of its official seal; C1 (1,030,000) is "
        "clean, so the threshold still holds without C2.",
        (BJ_BIG,
         Con((sw(QMS, "180000"), hw(RFID, 12, "3000"), sv(TRAIN, "144000")), sign="2024-02-01", accept="2024-06-12",
             pays=two_pays("2024-02-20", "2024-06-24"), variants={"acceptance": "scan"},
             tweaks=(("acceptance_seal", "a", "finance"),))),
        fail=(F("BJ-10", "C2", "party A sealed the acceptance certificate with its finance seal (财务专用章), not its "
                               "official seal"),)),
    Scenario(
        "bj_contract_seal_acceptance", BJ, "contract seal on the acceptance certificate",
        "Party B sealed the acceptance certificate with its 合同专用章 instead of its official seal.",
        (Con((sw(MES, "480000"), hw(EDGE, 3, "60000"), hw(GW, 20, "8000"), sv(IMPL, "260000")), sign="2023-04-11",
             accept="2023-10-09", pays=two_pays("2023-04-27", "2023-10-20"), variants={"acceptance": "scan"},
             tweaks=(("acceptance_seal", "b", "contract"),)),),
        fail=(F("BJ-10", "C1", "party B sealed the acceptance certificate with its contract seal (合同专用章), not "
                               "its official seal"),)),
    Scenario(
        "bj_seal_owner_not_party", BJ, "seal owner is not the party",
        "The official seal in party B's place on the acceptance certificate belongs to another company of the "
        "provider's group.",
        (Con((sw(PLM, "520000"), hw(PAD, 20, "6500"), sv(MIG, "200000"), sv(TRAIN, "160000")), sign="2023-05-22",
             accept="2023-11-28", pays=two_pays("2023-06-08", "2023-12-08"), variants={"acceptance": "scan"},
             tweaks=(("acceptance_seal_owner", "b"),)),),
        fail=(F("BJ-10", "C1", "no official seal of party B on the acceptance certificate"),
              F("X-02", "C1", "acceptance certificate: the seal in party B's place names a different company"))),
    Scenario(
        "bj_missing_acceptance", BJ, "missing acceptance certificate",
        "The evidence has contract, invoice, bank slips and vouchers, but no acceptance certificate.",
        (Con((sw(MES, "500000"), hw(GW, 30, "7000"), sv(IMPL, "330000")), sign="2023-11-06", accept=None,
             accept_date_override="2024-04-10", pays=two_pays("2023-11-21", "2024-04-22")),),
        fail=(F("BJ-09", "C1", "no acceptance certificate"),),
        review=(F("BJ-06", "C1", "acceptance date unknown: no acceptance certificate"),
                F("BJ-10", "C1", "acceptance seals unknown: no acceptance certificate"))),
    Scenario(
        "bj_missing_voucher", BJ, "missing accounting voucher",
        "The evidence has contract, invoice, bank slips and acceptance certificate, but no 记账凭证.",
        (Con((sw(WMS, "420000"), hw(RFID, 30, "4000"), hw(EDGE, 2, "55000"), sv(IMPL, "400000")), sign="2023-08-21",
             accept="2024-01-30", pays=two_pays("2023-09-05", "2024-02-08"), vouchers="none"),),
        fail=(F("BJ-09", "C1", "no accounting voucher (记账凭证)"),)),
    Scenario(
        "bj_video_conferencing", BJ, "excluded content (video conferencing)",
        "C2 buys a video conferencing system (software, terminals, deployment), a kind the guide excludes; C1 "
        "(1,060,000, MES) is clean.",
        (Con((sw(MES, "610000"), hw(EDGE, 4, "50000"), sv(IMPL, "250000")), sign="2023-06-05", accept="2023-12-11",
             pays=two_pays("2023-06-21", "2023-12-22")),
         Con((sw("云视讯视频会议系统软件", "280000"), hw("高清视频会议终端", 8, "16500"), sv("视频会议系统部署服务", "68000")),
             sign="2024-01-15", accept="2024-05-08", pays=two_pays("2024-01-29", "2024-05-20"),
             subject="视频会议系统建设项目")),
        fail=(F("BJ-04", "C2", "the contract buys video conferencing software and terminals (excluded kind)"),)),
    Scenario(
        "bj_same_legal_rep", BJ, "both parties have the same legal representative",
        "The contract names the same person as legal representative of party A and party B.",
        (Con((sw(WMS, "400000"), sw(IOT, "280000"), hw(RFID, 20, "4000"), sv(IMPL, "270000")), sign="2023-07-24",
             accept="2024-01-09", pays=two_pays("2023-08-08", "2024-01-19"), tweaks=(("same_legal_rep",),)),),
        fail=(F("BJ-07", "C1", "party A and party B have the same legal representative"),)),
    Scenario(
        "bj_previously_funded", BJ, "contract already funded by the city",
        "C2's contract and invoice appear in the register of projects already funded by Beijing municipal funds "
        "(fixtures/reference/beijing-2024-funded-projects.json); the applicant declared no prior funding. C1 "
        "(1,100,000) is clean.",
        (Con((sw(PLM, "460000"), hw(EDGE, 4, "55000"), sv(MIG, "420000")), sign="2023-04-03", accept="2023-09-19",
             pays=two_pays("2023-04-18", "2023-09-28")),
         Con((sub(EMS, "96000", "2023-10-01", "2024-09-30"), hw(GW, 10, "5000"), sv(TRAIN, "64000")),
             sign="2023-09-11", accept="2024-03-14", pays=two_pays("2023-09-26", "2024-03-25"))),
        fail=(F("BJ-08", "C2", "contract and invoice are in the register of projects already funded by Beijing "
                               "municipal funds"),
              F("X-06", "C2", "the contract and its invoice were used in an earlier funded submission")),
        tweaks=(("funded_before", "C2"),)),
    Scenario(
        "bj_fax_acceptance", BJ, "acceptance certificate only as a fax copy",
        "The acceptance certificate is a fax copy: binarised at half vertical resolution, the seals are black and "
        "partly broken up, so the official seals cannot be confirmed.",
        (Con((sw(MES, "470000"), hw(PAD, 25, "6000"), hw(EDGE, 2, "60000"), sv(IMPL, "350000")), sign="2023-03-27",
             accept="2023-08-29", pays=two_pays("2023-04-12", "2023-09-08"), variants={"acceptance": "fax"}),),
        review=(F("BJ-10", "C1", "fax copy: the seals lost their colour and detail; that they are the parties' "
                                 "official seals cannot be confirmed"),
                F("BJ-11", "C1", "the acceptance certificate is only a binarised fax copy; a legible copy of the "
                                 "sealed original is needed"),
                F("X-02", "C1", "fax copy: whose seals they are cannot be read off black, broken rings any more than "
                                "their type can"))),
    # ---------------------------------------------------------------- Beijing: declared facts and reference lists
    Scenario(
        "bj_industry_52", BJ, "industry code outside 13-43",
        "Clean evidence (1,150,000), but the applicant is a retailer: industry code F5271 (major group 52).",
        (Con((sw(IOT, "500000"), hw(SWITCH, 20, "7000"), hw(EDGE, 3, "50000"), sv(IMPL, "360000")),
             sign="2023-08-02", accept="2024-01-23", pays=two_pays("2023-08-17", "2024-02-02")),),
        fail=(F("BJ-03", None, "industry code F5271: major group 52 is not manufacturing (13-43)"),),
        industry="五金商贸"),
    Scenario(
        "bj_submitted_late", BJ, "submitted after the deadline",
        "Clean evidence (1,200,000), submitted on 2024-08-02, after the deadline 2024-08-01 24:00.",
        (Con((sw(MES, "560000"), hw(GW, 40, "6000"), sv(IMPL, "400000")), sign="2023-12-18", accept="2024-06-27",
             pays=two_pays("2024-01-05", "2024-07-08")),),
        fail=(F("BJ-16", None, "submitted at 2024-08-02T09:26:00+08:00, after 2024-08-01 24:00"),),
        declared={"submitted_at": "2024-08-02T09:26:00+08:00"}),
    Scenario(
        "bj_srdi_expired", BJ, "专精特新 status expired before acceptance",
        "Clean evidence (1,060,000); the applicant's 专精特新 status (declared and on the published list) ended on "
        "2023-12-31, before the acceptance date 2024-03-26.",
        (Con((sw(MES, "450000"), hw(EDGE, 3, "50000"), hw(GW, 20, "8000"), sv(IMPL, "300000")), sign="2023-09-25",
             accept="2024-03-26", pays=two_pays("2023-10-10", "2024-04-08")),),
        fail=(F("BJ-02", None, "专精特新 status valid until 2023-12-31, not on the acceptance date 2024-03-26"),),
        declared={"srdi_valid_until": "2023-12-31"}),
    # ---------------------------------------------------------------- Shenzhen: clean
    Scenario(
        "sz_clean", SZ, "none (clean)",
        "One contract of 460,000 (MES, ERP subscription to 2025-12-31, gateways, implementation) with a listed "
        "provider; 数电票 with the e-invoice commitment letter; counted 460,000, subsidy 230,000.",
        (Con((sw(MES, "180000"), sub(ERP, "72000", "2025-03-01", "2025-12-31"), hw(GW, 10, "4800"),
              sv(IMPL, "160000")), sign="2025-02-10", accept="2025-05-12",
             pays=two_pays("2025-02-26", "2025-05-20"), invoices=(Inv(date="2025-02-20"),)),)),
    Scenario(
        "sz_cap_two_providers", SZ, "none (clean), two providers, subsidy cap",
        "An applicant in 深汕特别合作区 with two listed providers (800,000 + 200,000), paper and electronic "
        "invoices, three instalments: counted 1,000,000, 50 % = 500,000, capped at 400,000.",
        (Con((sw(MES, "320000"), sw(APS, "180000"), hw(EDGE, 2, "42000"), sv(IMPL, "216000")), sign="2025-01-13",
             accept="2025-05-26", invoices=(Inv((0, 1, 2), "2025-01-24", kind="vat_special"),
                                            Inv((3,), "2025-05-28")),
             pays=(Pay("2025-01-27", "0.3"), Pay("2025-03-14", "0.6"), Pay("2025-06-05")), vouchers="each"),
         Con((sub(ERP, "120000", "2025-04-01", "2025-12-31"), sv(TRAIN, "80000")), sign="2025-03-17",
             accept="2025-06-18", provider=1, pays=(Pay("2025-03-28", "1"),))),
        region="深汕特别合作区", declared={"pilot_industry": "precision_instruments",
                                          "srdi_status": "专精特新中小企业", "srdi_valid_until": "2027-12-31"}),
    # ---------------------------------------------------------------- Shenzhen: counting rules (deductions)
    Scenario(
        "sz_deduction_copy", SZ, "抵扣联 instead of 发票联",
        "Two paper 专用发票: the goods invoice is the 发票联, the service invoice the green 抵扣联, which is not "
        "accepted; only the goods invoice (275,000) counts.",
        (Con((sw(IOT, "200000"), hw(GW, 15, "5000"), sv(IMPL, "145000")), sign="2025-01-06", accept="2025-04-21",
             invoices=(Inv((0, 1), "2025-01-16", kind="vat_special", variant="scan"),
                       Inv((2,), "2025-04-23", kind="vat_special", copy="deduction_copy", variant="photo")),
             pays=two_pays("2025-01-22", "2025-04-30")),),
        fail=(F("SZ-14", "C1", "invoice 2 is the 抵扣联 (deduction copy); its 145000.00 is not counted"),)),
    Scenario(
        "sz_payee_not_party_b", SZ, "payment to an account that is not party B's",
        "The second payment (70 %) goes to another account of the provider, not the designated account written in "
        "the contract; only the first payment (30 %) counts.",
        (Con((sw(WMS, "210000"), hw(RFID, 10, "3800"), sv(IMPL, "132000")), sign="2025-02-17", accept="2025-05-29",
             pays=(Pay("2025-03-03", "0.3"), Pay("2025-06-09", None, "digital_pdf")),
             tweaks=(("payee_other_account", 1),)),),
        fail=(F("SZ-12", "C1", "bank slip 2 pays an account other than party B's designated account; its amount "
                               "is not counted"),)),
    Scenario(
        "sz_service_above_software", SZ, "implementation fee above software fee",
        "Implementation service 200,000 against software 120,000: the service counts only up to 120,000 (1:1).",
        (Con((sw(QMS, "120000"), hw(GW, 12, "5000"), sv(IMPL, "200000")), sign="2025-03-04", accept="2025-06-10",
             pays=two_pays("2025-03-18", "2025-06-20")),),
        fail=(F("SZ-09", "C1", "service 200000.00 exceeds software 120000.00; 80000.00 is not counted"),)),
    Scenario(
        "sz_subscription_past_2025", SZ, "subscription running past 2025-12-31",
        "A prepaid ERP subscription 2025-03-01 … 2026-02-28 (120,000): the 59 days in 2026 are not counted "
        "(306/365 of the fee counts).",
        (Con((sub(ERP, "120000", "2025-03-01", "2026-02-28"), sw(IOT, "150000"), hw(GW, 10, "4500"),
              sv(IMPL, "105000")), sign="2025-02-10", accept="2025-06-03",
             pays=(Pay("2025-02-28", "0.6"), Pay("2025-06-13"))),),
        fail=(F("SZ-04", "C1", "subscription ends 2026-02-28; the part after 2025-12-31 is not counted"),)),
    Scenario(
        "sz_bank_payment_below_invoice", SZ, "bank payments below the invoice",
        "Invoiced in full (500,000) but paid 50 % + 40 %; the 10 % retention is still unpaid, so 450,000 counts.",
        (Con((sw(MES, "240000"), hw(EDGE, 2, "45000"), sv(IMPL, "170000")), sign="2025-01-20", accept="2025-05-15",
             pays=(Pay("2025-02-05", "0.5"), Pay("2025-05-27", "0.4"))),)),
    # ---------------------------------------------------------------- Shenzhen: excluded contracts, submission faults
    Scenario(
        "sz_different_company", SZ, "party is a different company",
        "The second payment was made by a group company of the applicant, not by party A.",
        (Con((sw(IOT, "260000"), hw(GW, 10, "6000"), sv(IMPL, "160000")), sign="2025-02-24", accept="2025-06-05",
             pays=(Pay("2025-03-07", "0.3"), Pay("2025-06-16", None, "digital_pdf")),
             tweaks=(("payer_sister_company", 1),)),),
        fail=(F("X-01", "C1", "bank slip 2: the payer is a different company from party A"),
              F("SZ-11", "C1", "bank slip 2 is paid by a company that is not party A; not counted"))),
    Scenario(
        "sz_duplicate_invoice", SZ, "the same invoice in two contracts",
        "Two contracts with the same provider for two plants (260,000 each); C2's evidence carries a scan of C1's "
        "invoice instead of its own.",
        (Con((sw(IOT, "160000"), hw(GW, 8, "5000"), sv(TRAIN, "60000")), sign="2025-01-15", accept="2025-04-24",
             invoices=(Inv(date="2025-02-10"),), pays=two_pays("2025-02-14", "2025-05-06"),
             subject="一号厂区设备物联平台建设项目"),
         Con((sw(IOT, "160000"), hw(GW, 8, "5000"), sv(TRAIN, "60000")), sign="2025-01-20", accept="2025-05-08",
             pays=two_pays("2025-02-18", "2025-05-19"), subject="二号厂区设备物联平台建设项目",
             variants={"invoice_1": "scan"}, tweaks=(("reuse_invoice", 0, 0),))),
        fail=(F("X-06", "C2", "C2's invoice is C1's invoice (same number); counted for C1 only"),)),
    Scenario(
        "sz_invoice_before_period", SZ, "dates before 2024-11-22",
        "The contract (2024-11-05), invoice and first payment fall before the accounting period starting "
        "2024-11-22.",
        (Con((sw(APS, "230000"), hw(EDGE, 2, "40000"), sv(IMPL, "150000")), sign="2024-11-05", accept="2025-02-20",
             invoices=(Inv(date="2024-11-12"),), pays=two_pays("2024-11-18", "2025-03-03")),),
        fail=(F("SZ-05", "C1", "contract 2024-11-05, invoice 2024-11-12 and payment 2024-11-18 are before "
                               "2024-11-22"),)),
    Scenario(
        "sz_price_above_catalogue", SZ, "price above the registered price",
        "The MES is bought at 260,000; the provider's registered price in the catalogue is 198,000.",
        (Con((sw(MES, "260000"), hw(GW, 10, "5000"), sv(IMPL, "130000")), sign="2025-03-10", accept="2025-06-12",
             pays=two_pays("2025-03-24", "2025-06-23"), tweaks=(("catalogue_price", 0, "198000"),)),),
        fail=(F("SZ-03", "C1", "MES unit price 260000.00 is above the registered price 198000.00"),)),
    Scenario(
        "sz_invoice_number_invalid", SZ, "invoice number format invalid",
        "The 数电票 prints a 19-digit number (a 数电票 number has 20 digits).",
        (Con((sw(WMS, "190000"), hw(PAD, 10, "5500"), sv(IMPL, "115000")), sign="2025-02-03", accept="2025-05-07",
             pays=two_pays("2025-02-18", "2025-05-19"), invoices=(Inv(variant="digital_pdf"),),
             tweaks=(("invoice_number_short", 0),)),),
        fail=(F("X-07", "C1", "invoice 1: a 数电票 number must have 20 digits, this one has 19"),)),
    Scenario(
        "sz_no_commitment_letter", SZ, "e-invoice without the commitment letter",
        "Clean evidence with a 数电票, but the signed e-invoice usage commitment letter (附件4) is missing.",
        (Con((sw(APS, "210000"), hw(GW, 10, "4200"), sv(IMPL, "128000")), sign="2025-03-12", accept="2025-06-17",
             pays=two_pays("2025-03-26", "2025-06-27")),),
        fail=(F("SZ-17", None, "electronic invoices without the usage commitment letter (附件4)"),),
        tweaks=(("no_letter",),)),
    Scenario(
        "sz_not_on_pilot_list", SZ, "applicant not on the pilot enterprise list",
        "Clean evidence (paper invoice); the applicant declares it is on the pilot list, but the published list "
        "(fixtures/reference/shenzhen-2025-pilot-enterprises.json) does not contain it.",
        (Con((sw(MES, "200000"), hw(EDGE, 1, "48000"), sv(IMPL, "112000")), sign="2025-01-08", accept="2025-04-16",
             pays=two_pays("2025-01-21", "2025-04-28"), invoices=(Inv(kind="vat_special", variant="photo"),)),),
        fail=(F("SZ-01", None, "not on the published pilot enterprise list"),),
        tweaks=(("not_on_pilot_list",),), declared={"pilot_industry": "smart_robots"}),
    Scenario(
        "sz_few_indicators", SZ, "fewer than 3 effect indicators",
        "Clean evidence; the applicant declares only two quantitative effect indicators.",
        (Con((sw(QMS, "150000"), hw(RFID, 10, "3200"), sv(IMPL, "98000")), sign="2025-02-26", accept="2025-06-04",
             pays=two_pays("2025-03-12", "2025-06-16"), variants={"contract": "scan"}),),
        fail=(F("SZ-06", None, "only 2 effect indicators declared (at least 3 required)"),),
        declared={"effect_indicators": ["生产设备联网率", "准时交货率"]}),
)

BY_NAME = {s.name: s for s in SCENARIOS}
