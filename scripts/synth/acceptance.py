"""Acceptance certificates (项目验收报告 / 验收证明): parties, project, contract number, acceptance date, the list of
what was accepted, the acceptance opinion with its conclusion (验收合格 / 验收不合格) and both parties' seals.

All content comes from :class:`AcceptanceSpec`; e.g. a scenario passes ``seals_a=(SealSpec("finance", name), )`` to
put party A's finance seal where the official seal belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .common import cn_date, fmt_money
from .contract import default_seals
from .deal import Deal
from .fakedata import Company
from .layout import A4, Canvas
from .model import DocLayout
from .seals import SealSpec

CONCLUSION_TEXT = {"passed": "验收合格", "failed": "验收不合格"}


@dataclass(frozen=True)
class AcceptanceSpec:
    party_a: Company
    party_b: Company
    project_name: str
    contract_number: str | None
    acceptance_date: date | None
    conclusion: str | None = "passed"  # passed | failed | None (opinion left blank)
    items: tuple[str, ...] = ()
    contract_amount: Decimal | None = None
    title: str = "项目验收报告"
    seals_a: tuple[SealSpec, ...] | None = None
    seals_b: tuple[SealSpec, ...] | None = None


def spec_from_deal(deal: Deal, rng: np.random.Generator) -> AcceptanceSpec:
    return AcceptanceSpec(
        party_a=deal.buyer, party_b=deal.seller, project_name=deal.subject, contract_number=deal.contract_number,
        acceptance_date=deal.acceptance_date, items=tuple(f"{i.name} {i.quantity}{i.unit}" for i in deal.items),
        contract_amount=deal.total, title=str(rng.choice(["项目验收报告", "项目验收证明", "验收报告"])),
        seals_a=default_seals(deal.buyer, rng, legal_rep=False),
        seals_b=default_seals(deal.seller, rng, legal_rep=False))


def build(spec: AcceptanceSpec, rng: np.random.Generator) -> DocLayout:
    c = Canvas()
    x0, x1 = 66.0, A4[0] - 66.0
    c.text(A4[0] / 2, 70, spec.title, 20, "sans_bold", align="c")
    lab_w, y = 110.0, 112.0
    d = cn_date(spec.acceptance_date) if spec.acceptance_date else ""
    rows = [("项目名称", spec.project_name, "project_name"), ("合同编号", spec.contract_number or "", "contract_number"),
            ("甲方（建设单位）", spec.party_a.name, "party_a_name"), ("乙方（承建单位）", spec.party_b.name, "party_b_name"),
            ("合同金额", f"人民币{fmt_money(spec.contract_amount)}元" if spec.contract_amount else "", None),
            ("验收日期", d, "acceptance_date" if d else None)]
    top = y
    for lab, v, key in rows:
        c.line(x0, y, x1, y)
        c.text(x0 + lab_w / 2, y + 9, lab, 10.5, "sans_bold", align="c")
        if v:
            c.text(x0 + lab_w + 8, y + 9, v, 10.5, "serif", key=key if v else None, max_width=x1 - x0 - lab_w - 16)
        y += 30
    # 验收内容
    c.line(x0, y, x1, y)
    c.text(x0 + lab_w / 2, y + 9, "验收内容", 10.5, "sans_bold", align="c")
    yy = y + 9
    for i, it in enumerate(spec.items[:8], 1):
        c.text(x0 + lab_w + 8, yy, f"{i}. {it}", 10, "serif", max_width=x1 - x0 - lab_w - 16)
        yy += 17
    y = max(yy + 8, y + 60)
    c.line(x0, y, x1, y)
    c.text(x0 + lab_w / 2, y + 9, "验收意见", 10.5, "sans_bold", align="c")
    opinion = ("经甲乙双方组成的验收小组对照合同约定的功能、性能及交付物进行逐项检查和测试，系统已完成部署并稳定运行，"
               "相关设备安装调试完毕，技术文档及培训资料齐全，各项指标达到合同要求。")
    if spec.conclusion == "failed":
        opinion = "经甲乙双方组成的验收小组逐项检查，部分功能未达到合同约定要求，需乙方限期整改后重新组织验收。"
    yy = _wrap(c, x0 + lab_w + 8, y + 9, opinion, x1 - x0 - lab_w - 16)
    if spec.conclusion:
        b = c.text(x0 + lab_w + 8, yy + 4, "验收结论：", 10.5, "sans_bold")
        c.text(b[2], yy + 4, CONCLUSION_TEXT[spec.conclusion], 10.5, "sans_bold", key="conclusion")
        yy += 22
    y = yy + 10
    c.line(x0, y, x1, y)
    c.line(x0 + lab_w, top, x0 + lab_w, y)
    c.rect(x0, top, x1, y + 150)
    mid = (x0 + x1) / 2
    c.line(mid, y, mid, y + 150)
    for k, (x, comp, lab, seals) in enumerate(((x0 + 10, spec.party_a, "甲方（盖章）", spec.seals_a),
                                               (mid + 10, spec.party_b, "乙方（盖章）", spec.seals_b))):
        c.text(x, y + 12, f"{lab}：", 10.5, "sans_bold")
        c.text(x, y + 34, comp.name, 10.5, "serif", key="party_a_name" if k == 0 else "party_b_name",
               max_width=mid - x0 - 20)
        c.text(x, y + 80, "代表人（签字）：", 10.5, "serif")
        b = c.text(x, y + 120, "日期：", 10.5, "serif")
        if d:
            c.text(b[2], y + 120, d, 10.5, "serif", key="acceptance_date")
        for s in seals or ():
            if s.shape == "square":
                cx, cy = x + 150 + rng.uniform(-8, 8), y + 86 + rng.uniform(-5, 5)
            else:
                cx, cy = x + 105 + rng.uniform(-25, 25), y + 70 + rng.uniform(-20, 20)
            c.seal(s, cx, cy, int(rng.integers(0, 2**31)))
    fields = {"party_a_name": spec.party_a.name, "party_b_name": spec.party_b.name, "project_name": spec.project_name,
              "contract_number": spec.contract_number,
              "acceptance_date": spec.acceptance_date.isoformat() if spec.acceptance_date else None,
              "conclusion": spec.conclusion}
    return DocLayout("acceptance", [c], fields, notes=f"synthetic {spec.title}")


def _wrap(c: Canvas, x: float, top: float, text: str, width: float, size: float = 10.5) -> float:
    from .flow import _split_lines

    y = top
    for line in _split_lines(text, width, size, "serif", 0.0):
        c.text(x, y, line, size, "serif")
        y += size * 1.7
    return y
