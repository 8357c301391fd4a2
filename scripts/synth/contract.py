"""Purchase-and-implementation contracts (采购及实施合同), several A4 pages: parties block (names, 统一社会信用代码,
legal representatives, party B's bank and account), an items table separating software, hardware and implementation
service (product ids and subscription periods in the Shenzhen style), total in figures and words, terms, and the
signature block with both parties' seals; optional cross-page seal strips (骑缝章) on the right page edges.

Everything printed comes from :class:`ContractSpec`; :func:`spec_from_deal` fills it from a deal, and a scenario can
``dataclasses.replace`` any part (a party name one character off, a finance seal instead of the official seal...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .common import amount_upper, cn_date, fmt_amount, fmt_money
from .deal import Deal, Item
from .fakedata import Company
from .flow import Flow
from .layout import A4, Canvas
from .model import DocLayout
from .seals import SealSpec

KIND_CN = {"software": "软件", "hardware": "硬件", "service": "服务"}
KIND_LONG = {"software": "软件产品费用", "hardware": "硬件设备费用", "service": "实施服务费用"}

CLAUSES = [
    ("交付与实施", "乙方应于合同生效后{days}个工作日内完成软件部署、硬件安装调试及系统联调，并按甲方要求完成与现有生产设备、"
               "业务系统的数据对接。实施期间乙方应指派项目经理常驻现场，每周向甲方提交实施进度报告。"),
    ("验收", "系统上线并稳定运行满三十日后，乙方向甲方提交书面验收申请及全部技术文档。甲方应在收到申请后十五个工作日内组织验收，"
           "验收合格的，双方签署验收报告；验收不合格的，乙方应在十个工作日内完成整改并重新提请验收。"),
    ("质量保证", "乙方保证所提供的软件产品为其合法拥有或已获合法授权的正版软件，所提供的硬件设备为全新原厂产品，"
             "质量符合国家标准及行业标准。质保期为验收合格之日起十二个月，质保期内因产品质量问题产生的维修、更换费用由乙方承担。"),
    ("知识产权", "乙方保证甲方在使用本合同项下产品及服务时不会侵犯任何第三方的知识产权。如发生第三方指控侵权的，"
             "由乙方负责交涉并承担全部法律责任及费用。甲方在本项目中产生的业务数据归甲方所有。"),
    ("保密", "双方对在履行本合同过程中知悉的对方商业秘密、技术资料及生产经营数据负有保密义务，未经对方书面同意不得向任何第三方披露。"
           "本条款不因合同的解除或终止而失效。"),
    ("培训与技术支持", "乙方应为甲方提供不少于{train}人次的系统操作及管理培训，并提供7×24小时远程技术支持；"
                 "重大故障须在四小时内响应，二十四小时内到达现场处理。"),
    ("违约责任", "甲方逾期付款的，每逾期一日按应付未付金额的万分之五向乙方支付违约金；乙方逾期交付或逾期完成实施的，"
             "每逾期一日按合同总金额的万分之五向甲方支付违约金，逾期超过三十日的，甲方有权解除合同。"),
    ("不可抗力", "因不可抗力致使一方不能履行合同的，应在不可抗力事件发生后及时通知对方，并在十五日内提供相关证明。"
             "遭受不可抗力的一方可根据影响程度部分或全部免除责任。"),
    ("争议解决", "因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地有管辖权的人民法院提起诉讼。"),
    ("其他", "本合同未尽事宜，由双方另行签订补充协议，补充协议与本合同具有同等法律效力。本合同一式肆份，甲乙双方各执贰份，"
           "自双方法定代表人或授权代表签字并加盖公章之日起生效。"),
]


@dataclass(frozen=True)
class ContractSpec:
    party_a: Company
    party_b: Company
    items: tuple[Item, ...]
    subject: str
    contract_number: str | None
    sign_date: date | None  # None: 签订日期 left blank
    programme: str = "shenzhen"
    title: str | None = None
    service_period: tuple[date, date] | None = None
    seals_a: tuple[SealSpec, ...] | None = None  # None: party A's official seal (+ maybe a legal-rep seal)
    seals_b: tuple[SealSpec, ...] | None = None
    cross_page_seal: SealSpec | None = None  # strips of this seal on the right edge of every page
    signature_on_own_page: bool | None = None
    show_breakdown: bool = True  # print "其中：软件…硬件…服务…" with the amounts per kind
    clauses: int | None = None  # number of standard clauses after payment (None: random 6..10)


def default_seals(c: Company, rng: np.random.Generator, legal_rep: bool | None = None) -> tuple[SealSpec, ...]:
    seals = [SealSpec("official", c.name, "round", code=c.seal_code if rng.random() < 0.6 else None)]
    if legal_rep if legal_rep is not None else rng.random() < 0.4:
        seals.append(SealSpec("legal_rep", c.legal_rep, "square", code=None, negative=bool(rng.random() < 0.3)))
    return tuple(seals)


def spec_from_deal(deal: Deal, rng: np.random.Generator) -> ContractSpec:
    cross = None
    if rng.random() < 0.6:
        cross = SealSpec("official", deal.buyer.name if rng.random() < 0.5 else deal.seller.name, "round")
    return ContractSpec(
        party_a=deal.buyer, party_b=deal.seller, items=deal.items, subject=deal.subject,
        contract_number=deal.contract_number, sign_date=deal.sign_date, programme=deal.programme,
        service_period=deal.service_period, seals_a=default_seals(deal.buyer, rng),
        seals_b=default_seals(deal.seller, rng), cross_page_seal=cross)


def _party_block(f: Flow, role: str, label: str, c: Company, with_bank: bool) -> None:
    p = "party_a" if role == "a" else "party_b"
    f.line(f"{label}：{c.name}", {f"{p}_name": c.name}, family="sans_bold")
    f.line(f"统一社会信用代码：{c.tax_id}", {f"{p}_tax_id": c.tax_id})
    f.line(f"法定代表人：{c.legal_rep}", {f"{p}_legal_rep": c.legal_rep})
    f.line(f"住所：{c.address}")
    f.line(f"联系电话：{c.phone}")
    if with_bank:
        f.line(f"开户银行：{c.account.bank}", {"party_b_bank_name": c.account.bank})
        f.line(f"银行账号：{c.account.account}", {"party_b_bank_account": c.account.account})
    f.skip(f.size * 0.6)


def _items_table(f: Flow, items: tuple[Item, ...], shenzhen: bool) -> None:
    cols = [("序号", 24), ("产品名称", 118 if shenzhen else 170), ("产品编号", 72), ("类别", 32), ("服务期限", 86),
            ("数量", 34), ("单价（元）", 56), ("金额（元）", 62)]
    if not shenzhen:
        cols = [c for c in cols if c[0] not in ("产品编号", "服务期限")]
    scale = f.width / sum(w for _, w in cols)
    cols = [(n, w * scale) for n, w in cols]
    row_h = 20.0
    height = row_h * (len(items) + 2)

    def draw(c: Canvas, top: float) -> None:
        x0 = f.margin_x
        xs = [x0]
        for _, w in cols:
            xs.append(xs[-1] + w)
        for r in range(len(items) + 3):
            c.line(x0, top + r * row_h, xs[-1], top + r * row_h, 0.6)
        for i, x in enumerate(xs):
            c.line(x, top, x, top + row_h * (len(items) + (1 if 0 < i < len(xs) - 2 else 2)), 0.6)
        for (name, w), x in zip(cols, xs):
            c.text(x + w / 2, top + 5, name, 9, "sans_bold", align="c", max_width=w - 3)
        for r, it in enumerate(items, 1):
            y = top + r * row_h + 5.5
            per = f"{it.period[0]:%Y.%m.%d}-{it.period[1]:%Y.%m.%d}" if it.period else "—"
            vals = {"序号": str(r), "产品名称": it.name, "产品编号": it.product_id or "—", "类别": KIND_CN[it.kind],
                    "服务期限": per, "数量": f"{it.quantity}{it.unit}", "单价（元）": fmt_money(it.unit_price),
                    "金额（元）": fmt_money(it.amount)}
            for (name, w), x in zip(cols, xs):
                al = "r" if "元" in name else "c" if name not in ("产品名称",) else "l"
                tx = x + w - 3 if al == "r" else x + w / 2 if al == "c" else x + 3
                c.text(tx, y, vals[name], 8.5, "serif", align=al, max_width=w - 5)
        y = top + (len(items) + 1) * row_h + 5.5
        total = sum((it.amount for it in items), start=items[0].amount * 0)
        c.text(xs[1] + 3, y, "合计（含税）", 9, "sans_bold")
        c.text(xs[-1] - 3, y, fmt_money(total), 8.5, "serif", align="r")

    f.block(height + 8, draw)


def _signature(f: Flow, spec: ContractSpec, rng: np.random.Generator) -> None:
    h = 172.0
    sd = cn_date(spec.sign_date) if spec.sign_date else "      年    月    日"
    seal_sets = (spec.seals_a or (), spec.seals_b or ())

    def draw(c: Canvas, top: float) -> None:
        half = f.width / 2
        mid = f.margin_x + half
        c.rect(f.margin_x, top, f.margin_x + f.width, top + h, 0.6)
        c.line(mid, top, mid, top + h, 0.6)
        for k, (x, comp, lab) in enumerate(((f.margin_x + 8, spec.party_a, "甲方"), (mid + 8, spec.party_b, "乙方"))):
            p = "party_a" if k == 0 else "party_b"
            b = c.text(x, top + 12, f"{lab}（盖章）：", 10.5, "sans_bold")
            c.text(b[2], top + 12, comp.name, 10.5, "serif", key=f"{p}_name", max_width=half - (b[2] - x) - 12)
            c.text(x, top + 44, "法定代表人（签字或盖章）：", 10.5, "serif")
            if k == 1:
                b = c.text(x, top + 76, "开户银行：", 10.5, "serif")
                c.text(b[2], top + 76, comp.account.bank, 10.5, "serif", key="party_b_bank_name",
                       max_width=half - (b[2] - x) - 12)
                b = c.text(x, top + 108, "账号：", 10.5, "serif")
                c.text(b[2], top + 108, comp.account.account, 10.5, "serif", key="party_b_bank_account")
            else:
                c.text(x, top + 76, f"联系电话：{comp.phone}", 10.5, "serif")
                c.text(x, top + 108, "纳税人识别号：", 10.5, "serif")
                c.text(x + 74, top + 108, comp.tax_id, 10.5, "serif", key="party_a_tax_id")
            b = c.text(x, top + 140, "签订日期：", 10.5, "serif")
            c.text(b[2], top + 140, sd, 10.5, "serif", key="sign_date" if spec.sign_date else None)
            for s in seal_sets[k]:
                if s.shape == "square":
                    cx, cy = x + 185 + rng.uniform(-8, 12), top + 52 + rng.uniform(-6, 6)
                else:
                    cx, cy = x + 110 + rng.uniform(-25, 25), top + 30 + rng.uniform(-15, 25)
                c.seal(s, cx, cy, int(rng.integers(0, 2**31)))

    f.block(h + 10, draw)


def build(spec: ContractSpec, rng: np.random.Generator) -> DocLayout:
    f = Flow(margin_x=66.0, margin_top=70.0, margin_bottom=70.0)
    shenzhen = spec.programme == "shenzhen"
    total = sum((i.amount for i in spec.items), start=spec.items[0].amount * 0)
    words = amount_upper(total, prefix="人民币")
    f.title(spec.title or f"{spec.subject}采购及实施合同")
    if spec.contract_number:
        f.line(f"合同编号：{spec.contract_number}", {"contract_number": spec.contract_number},
               x=A4[0] - f.margin_x, align="r")
    f.skip(6)
    _party_block(f, "a", "甲方（需方）", spec.party_a, False)
    _party_block(f, "b", "乙方（供方）", spec.party_b, True)
    f.para(f"甲乙双方根据《中华人民共和国民法典》及相关法律法规的规定，本着平等互利、诚实信用的原则，经友好协商，"
           f"就甲方采购{spec.subject}事宜达成如下协议，以资共同遵守。", {"subject": spec.subject})
    f.heading("第一条 合同标的及价款")
    f.para("乙方向甲方提供以下软件产品、硬件设备及实施服务，具体明细如下：")
    _items_table(f, spec.items, shenzhen)
    money_line = f"合同总价款（含增值税）为大写：{words}（小写：¥{fmt_money(total)}）。"
    f.para(money_line, {"total_amount_upper": words, "total_amount": ("¥", fmt_money(total))}, indent=False)
    kinds = {k: sum((i.amount for i in spec.items if i.kind == k), start=total * 0)
             for k in ("software", "hardware", "service") if any(i.kind == k for i in spec.items)}
    if spec.show_breakdown and kinds:
        parts = [f"{KIND_LONG[k]}¥{fmt_money(v)}" for k, v in kinds.items()]
        text = "其中：" + "，".join(parts) + "。各项价款均已包含税费、运输、安装及培训等全部费用。"
        f.para(text, {f"{k}_amount": (f"{KIND_LONG[k]}¥", fmt_money(v)) for k, v in kinds.items()}, indent=False)
    n = 2
    if spec.service_period:
        s0, s1 = spec.service_period
        f.heading(f"第{'二三四五六七八九'[n - 2]}条 服务期限")
        f.para(f"软件订阅及运维服务期限自{cn_date(s0)}起至{cn_date(s1)}止。服务期满后如需续订，双方另行协商。",
               {"service_period_start": cn_date(s0), "service_period_end": cn_date(s1)})
        n += 1
    f.heading(f"第{'二三四五六七八九'[n - 2]}条 付款方式")
    b = spec.party_b.account
    f.para(f"合同签订后十个工作日内，甲方支付合同总价款的30%；系统验收合格后十个工作日内，甲方支付剩余全部款项。"
           f"甲方应将全部款项支付至乙方指定账户：开户银行：{b.bank}；账号：{b.account}。乙方应在收款前向甲方开具等额合法有效的增值税发票。")
    n += 1
    nums = "二三四五六七八九十"
    k = spec.clauses if spec.clauses is not None else int(rng.integers(6, len(CLAUSES) + 1))
    for i, (head, body) in enumerate(CLAUSES[:k]):
        label = f"第{nums[n - 2 + i]}条" if n - 2 + i < len(nums) else f"第十{nums[n - 11 + i]}条"
        f.heading(f"{label} {head}")
        f.para(body.format(days=int(rng.integers(15, 60)), train=int(rng.integers(10, 50))))
    own = spec.signature_on_own_page if spec.signature_on_own_page is not None else bool(rng.random() < 0.35)
    f.skip(6)
    f.line("（以下无正文，为签署页）", x=f.margin_x + 2 * f.size)
    if own:
        f.new_page()
    f.skip(10)
    _signature(f, spec, rng)
    f.footers()
    if spec.cross_page_seal:
        n_pages = len(f.canvases)
        cy = rng.uniform(0.3, 0.7) * A4[1]
        seed = int(rng.integers(0, 2**31))
        for i, c in enumerate(f.canvases):  # x is placed by the renderer: strip i of n flush with the right edge
            c.seal(spec.cross_page_seal, A4[0], cy + rng.uniform(-4, 4), seed, keep=(i / n_pages, (i + 1) / n_pages),
                   cross_page=True)
    fields = {
        "contract_number": spec.contract_number, "party_a_name": spec.party_a.name, "party_b_name": spec.party_b.name,
        "party_a_tax_id": spec.party_a.tax_id, "party_b_tax_id": spec.party_b.tax_id,
        "party_a_legal_rep": spec.party_a.legal_rep, "party_b_legal_rep": spec.party_b.legal_rep,
        "sign_date": spec.sign_date.isoformat() if spec.sign_date else None, "total_amount": fmt_amount(total),
        "total_amount_upper": words, "subject": spec.subject, "party_b_bank_name": spec.party_b.account.bank,
        "party_b_bank_account": spec.party_b.account.account,
        "software_amount": fmt_amount(kinds["software"]) if "software" in kinds else None,
        "hardware_amount": fmt_amount(kinds["hardware"]) if "hardware" in kinds else None,
        "service_amount": fmt_amount(kinds["service"]) if "service" in kinds else None,
        "service_period_start": spec.service_period[0].isoformat() if spec.service_period else None,
        "service_period_end": spec.service_period[1].isoformat() if spec.service_period else None,
    }
    return DocLayout("contract", f.canvases, fields, notes=f"synthetic {spec.programme}-style contract")
