"""Drawing of the invoice forms (legacy paper / e-invoice form, and the 数电票 form) onto a :class:`Canvas`, with the
field boxes recorded under FIELDS.md keys (``items.<i>.name`` etc. for item columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import cn_date, fmt_money
from .layout import Canvas, measure

if TYPE_CHECKING:
    from .invoice import InvoiceSpec

DIGITAL_RED = (160, 50, 40)
INK = (25, 25, 25)
DOT_INK = (35, 45, 110)
CIPHER = "0123456789+-*/<>"


def _vertical(c: Canvas, x: float, top: float, bottom: float, text: str, size: float, colour) -> None:
    step = (bottom - top) / max(1, len(text))
    for i, ch in enumerate(text):
        c.text(x, top + step * i + (step - size) / 2, ch, size, "serif", colour, align="c")


def _wrap_cell(text: str, width: float, size: float, family: str) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if cur and measure(cur + ch, size, family) > width:
            lines.append(cur)
            cur = ""
        cur += ch
    return lines + [cur] if cur else lines


def otimes(c: Canvas, x: float, top: float, size: float, colour) -> list[float]:
    """The ⊗ before the amount in words, drawn as lines (the PDF's built-in CJK font has no glyph for it)."""
    import math

    r = size * 0.4
    cx, cy = x + r + 0.5, top + size * 0.5
    pts = [(cx + r * math.cos(t * math.pi / 8), cy + r * math.sin(t * math.pi / 8)) for t in range(17)]
    for (a, b), (p, q) in zip(pts, pts[1:]):
        c.line(a, b, p, q, 0.6, colour)
    d = r * 0.7
    c.line(cx - d, cy - d, cx + d, cy + d, 0.6, colour)
    c.line(cx - d, cy + d, cx + d, cy - d, 0.6, colour)
    return [x, top, x + 2 * r + 1, top + size]


def _rate(r: str | None) -> str:
    return r if r else "***"


def _cols(x0: float, x1: float, fr: list[float]) -> list[float]:
    return [x0 + (x1 - x0) * f for f in fr]


def draw_legacy(c: Canvas, s: InvoiceSpec, rng: np.random.Generator, form, copy_label: str | None,
                copy_side: str | None) -> None:
    W, H = c.width, c.height
    paper = s.is_paper
    x0, x1 = (48.0, W - 48.0) if paper else (30.0, W - 22.0)
    ty, by = 100.0, 348.0
    dx, dy = (float(rng.uniform(-4, 5)), float(rng.uniform(-3, 4))) if paper else (0.0, 0.0)
    fam, ink = ("mono", DOT_INK) if paper else ("serif", INK)

    def val(x, top, text, size=9.0, key=None, align="l", max_width=None):
        return c.text(x + dx, top + dy, text, size, fam, ink, align=align, key=key, max_width=max_width)

    cx = W / 2
    c.text(cx, 20, s.title, 19, "serif_bold", form, align="c", key="invoice_kind")
    c.line(cx - 115, 50, cx + 115, 50, 1.0, form)
    c.line(cx - 115, 53, cx + 115, 53, 0.5, form)
    if copy_label:
        c.text(cx, 58, "  ".join(copy_label), 15, "serif_bold", form, align="c", key="copy_type")
    rx = W - 200
    if paper:
        code_size = 17 if s.kind == "vat_special" else 13
        c.text(88, 22, s.invoice_code or "", code_size, "sans", (20, 20, 20), key="invoice_code")
        b = c.text(rx, 22, "№", 16, "serif_bold", form)
        c.text(b[2] + 4, 21, s.invoice_number, 17, "sans_bold", (30, 60, 150), key="invoice_number")
        val(rx + 96, 44, s.invoice_code or "", 8.5, key="invoice_code")
        val(rx + 96, 56, s.invoice_number, 8.5, key="invoice_number")
        c.text(rx, 74, "开票日期：", 9, "serif", form)
        val(rx + 48, 74, cn_date(s.issue_date), 9, key="issue_date")
        if copy_side:
            _vertical(c, W - 30, ty, by, copy_side.replace("：", "").replace(" ", ""), 8.5, form)
    else:
        rows = [("发票代码：", s.invoice_code or "", "invoice_code"), ("发票号码：", s.invoice_number, "invoice_number"),
                ("开票日期：", cn_date(s.issue_date), "issue_date")]
        if s.check_code:
            cc = " ".join(s.check_code[i:i + 5] for i in range(0, 20, 5))
            rows.append(("校 验 码：", cc, "check_code"))
        for i, (lab, v, key) in enumerate(rows):
            b = c.text(rx + 15, 18 + 16 * i, lab, 9, "serif", form)
            c.text(b[2], 18 + 16 * i, v, 9, "sans", INK, key=key)
    if s.machine_number:
        c.text(22, 80, f"机器编号：{s.machine_number}", 8, "serif", form)
    if paper and s.check_code:
        c.text(88, 44, f"校验码 {' '.join(s.check_code[i:i + 5] for i in range(0, 20, 5))}", 8, "sans", INK,
               key="check_code")

    # frame and blocks
    c.rect(x0, ty, x1, by, 0.9, form)
    lab_w = 18.0
    ci = x0 + (x1 - x0) * 0.58
    rows_y = [ty, ty + 64, ty + 80, ty + 164, ty + 184, by]
    for y in rows_y[1:-1]:
        c.line(x0, y, x1, y, 0.7, form)
    for top, bottom, role, comp in ((ty, ty + 64, "购买方", s.buyer), (ty + 184, by, "销售方", s.seller)):
        c.line(x0 + lab_w, top, x0 + lab_w, bottom, 0.6, form)
        c.line(ci, top, ci, bottom, 0.6, form)
        c.line(ci + lab_w, top, ci + lab_w, bottom, 0.6, form)
        _vertical(c, x0 + lab_w / 2, top + 4, bottom - 4, role, 9, form)
        key = "buyer" if role == "购买方" else "seller"
        labels = ["名        称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号："]
        values = [comp.name, comp.tax_id, f"{comp.address} {comp.phone}",
                  f"{comp.account.bank} {comp.account.account}"]
        keys = [f"{key}_name", f"{key}_tax_id", None, None]
        for i, (lab, v, k) in enumerate(zip(labels, values, keys)):
            top_i = top + 3 + 15.5 * i
            c.text(x0 + lab_w + 4, top_i, lab, 8.5, "serif", form)
            val(x0 + lab_w + 72, top_i - (1 if i == 1 else 0), v, 10.5 if i == 1 else 8.5 if i else 9.5, key=k,
                max_width=ci - x0 - lab_w - 80)
        if role == "购买方":
            _vertical(c, ci + lab_w / 2, top + 4, bottom - 4, "密码区", 9, form)
            crng = np.random.default_rng(s.seed + 1)
            for i in range(4):
                line = "".join(crng.choice(list(CIPHER), 28))
                val(ci + lab_w + 5, top + 3 + 15 * i, line, 10, max_width=x1 - ci - lab_w - 10)
        else:
            _vertical(c, ci + lab_w / 2, top + 4, bottom - 4, "备注", 9, form)
            if s.remark:
                val(ci + lab_w + 5, top + 6, s.remark, 9, max_width=x1 - ci - lab_w - 10)
    # items
    xs = _cols(x0, x1, [0, 0.29, 0.38, 0.44, 0.54, 0.66, 0.80, 0.85, 1.0])
    heads = ["货物或应税劳务、服务名称", "规格型号", "单位", "数 量", "单 价", "金 额", "税率", "税 额"]
    for i, h in enumerate(heads):
        c.text((xs[i] + xs[i + 1]) / 2, ty + 67, h, 8.5, "serif", form, align="c", max_width=xs[i + 1] - xs[i] - 2)
        if i:
            c.line(xs[i], ty + 64, xs[i], ty + 164, 0.6, form)
    y = ty + 84
    wrapped = [_wrap_cell(ln.name, xs[1] - xs[0] - 4, 9, fam) for ln in s.lines]
    step = min(11.0, 62.0 / max(1, sum(len(w) for w in wrapped) + 0.2 * len(wrapped)))
    fs = min(9.0, step * 0.85)
    for n, (ln, parts) in enumerate(zip(s.lines, wrapped)):
        for j, part in enumerate(parts):
            val(xs[0] + 2, y + step * j, part, fs, key=f"items.{n}.name", max_width=xs[1] - xs[0] - 4)
        val(xs[2] + 2, y, ln.unit, fs, max_width=xs[3] - xs[2] - 3)
        if ln.quantity:
            val(xs[4] - 2, y, str(ln.quantity), fs, align="r")
            val(xs[5] - 2, y, fmt_money(ln.unit_price, comma=False), fs, align="r")
        val(xs[6] - 2, y, fmt_money(ln.amount, comma=False), fs, align="r", key=f"items.{n}.amount")
        val((xs[6] + xs[7]) / 2, y, _rate(ln.tax_rate), fs, align="c", key=f"items.{n}.tax_rate")
        val(xs[8] - 2, y, fmt_money(ln.tax, comma=False), fs, align="r")
        y += step * len(parts) + 0.2 * step
    c.text((xs[0] + xs[1]) / 2, ty + 150, "合        计", 9, "serif", form, align="c")
    val(xs[6] - 2, ty + 150, f"¥{fmt_money(s.amount_excl_tax, comma=False)}", 9.5, align="r", key="amount_excl_tax")
    val(xs[8] - 2, ty + 150, f"¥{fmt_money(s.tax_amount, comma=False)}", 9.5, align="r", key="tax_amount")
    # 价税合计
    c.line(xs[1], ty + 164, xs[1], ty + 184, 0.6, form)
    c.text((xs[0] + xs[1]) / 2, ty + 169, "价税合计（大写）", 9, "serif", form, align="c")
    b = otimes(c, xs[1] + 6 + dx, ty + 168 + dy, 10, ink)
    val(b[2] + 4 - dx, ty + 168, s.upper, 10, key="total_amount_upper")
    b = c.text(xs[5] + 10, ty + 169, "（小写）", 9, "serif", form)
    val(b[2] + 2, ty + 168, f"¥{fmt_money(s.total, comma=False)}", 10.5, key="total_amount")
    # footer
    for x, lab in ((x0 + 10, "收款人："), (x0 + 150, "复核："), (x0 + 290, "开票人："), (x1 - 150, "销售方：（章）")):
        c.text(x, by + 8, lab, 9, "serif", form)
    val(x0 + 330, by + 8, s.drawer, 9)


def draw_digital(c: Canvas, s: InvoiceSpec) -> None:
    W = c.width
    red = DIGITAL_RED
    x0, x1, ty, by = 20.0, W - 20.0, 92.0, 352.0
    c.text(W / 2 - 10, 24, s.title, 16.5, "serif_bold", red, align="c", key="invoice_kind")
    c.line(W / 2 - 120, 50, W / 2 + 120, 50, 1.0, red)
    c.line(W / 2 - 120, 53, W / 2 + 120, 53, 0.5, red)
    rx = W - 172
    b = c.text(rx, 26, "发票号码：", 9, "serif", red)
    c.text(b[2], 26, s.invoice_number, 9, "sans", INK, key="invoice_number")
    b = c.text(rx, 44, "开票日期：", 9, "serif", red)
    c.text(b[2], 44, cn_date(s.issue_date), 9, "sans", INK, key="issue_date")
    c.rect(x0, ty, x1, by, 0.8, red)
    mid = (x0 + x1) / 2
    for lx, role, comp, key in ((x0, "购买方信息", s.buyer, "buyer"), (mid, "销售方信息", s.seller, "seller")):
        c.line(lx + 16, ty, lx + 16, ty + 62, 0.6, red)
        _vertical(c, lx + 8, ty + 3, ty + 59, role, 8.5, red)
        b = c.text(lx + 20, ty + 10, "名称：", 9, "serif", red)
        c.text(b[2], ty + 10, comp.name, 9.5, "serif", INK, key=f"{key}_name", max_width=mid - x0 - 70)
        b = c.text(lx + 20, ty + 38, "统一社会信用代码/纳税人识别号：", 7.5, "serif", red)
        c.text(b[2] + 1, ty + 36, comp.tax_id, 10.5, "sans", INK, key=f"{key}_tax_id",
               max_width=lx + (mid - x0) - b[2] - 4)
    c.line(mid, ty, mid, ty + 62, 0.6, red)
    c.line(x0, ty + 62, x1, ty + 62, 0.6, red)
    xs = _cols(x0, x1, [0, 0.25, 0.37, 0.45, 0.53, 0.63, 0.76, 0.88, 1.0])
    heads = ["项目名称", "规格型号", "单 位", "数 量", "单 价", "金 额", "税率/征收率", "税 额"]
    for i, h in enumerate(heads):
        c.text((xs[i] + xs[i + 1]) / 2, ty + 66, h, 8.5, "serif", red, align="c")
    y = ty + 80
    wrapped = [_wrap_cell(ln.name, xs[1] - xs[0] - 4, 8.5, "serif") for ln in s.lines]
    step = min(10.5, 80.0 / max(1, sum(len(w) for w in wrapped) + 0.2 * len(wrapped)))
    for n, (ln, parts) in enumerate(zip(s.lines, wrapped)):
        for j, part in enumerate(parts):
            c.text(xs[0] + 2, y + step * j, part, min(8.5, step * 0.85), "serif", INK, key=f"items.{n}.name",
                   max_width=xs[1] - xs[0] - 4)
        c.text((xs[2] + xs[3]) / 2, y, ln.unit, 8.5, "serif", INK, align="c")
        if ln.quantity:
            c.text(xs[4] - 2, y, str(ln.quantity), 8.5, "serif", INK, align="r")
            c.text(xs[5] - 2, y, fmt_money(ln.unit_price, comma=False), 8.5, "serif", INK, align="r")
        c.text(xs[6] - 2, y, fmt_money(ln.amount, comma=False), 8.5, "serif", INK, align="r", key=f"items.{n}.amount")
        c.text((xs[6] + xs[7]) / 2, y, _rate(ln.tax_rate), 8.5, "serif", INK, align="c", key=f"items.{n}.tax_rate")
        c.text(xs[8] - 2, y, fmt_money(ln.tax, comma=False), 8.5, "serif", INK, align="r")
        y += step * len(parts) + 0.2 * step
    c.text((xs[0] + xs[1]) / 2, ty + 168, "合        计", 9, "serif", red, align="c")
    c.text(xs[6] - 2, ty + 168, f"¥{fmt_money(s.amount_excl_tax, comma=False)}", 9, "serif", INK, align="r",
           key="amount_excl_tax")
    c.text(xs[8] - 2, ty + 168, f"¥{fmt_money(s.tax_amount, comma=False)}", 9, "serif", INK, align="r",
           key="tax_amount")
    c.line(x0, ty + 182, x1, ty + 182, 0.6, red)
    c.line(x0, ty + 202, x1, ty + 202, 0.6, red)
    c.line(xs[1] - 10, ty + 182, xs[1] - 10, ty + 202, 0.6, red)
    c.text((xs[0] + xs[1]) / 2 - 5, ty + 187, "价税合计（大写）", 9, "serif", red, align="c")
    b = otimes(c, xs[1] - 4, ty + 186, 10, INK)
    c.text(b[2] + 4, ty + 186, s.upper, 10, "serif", INK, key="total_amount_upper")
    b = c.text(xs[5], ty + 187, "（小写）", 9, "serif", red)
    c.text(b[2], ty + 186, f"¥{fmt_money(s.total, comma=False)}", 10, "sans", INK, key="total_amount")
    c.line(x0 + 16, ty + 202, x0 + 16, by, 0.6, red)
    _vertical(c, x0 + 8, ty + 206, by - 4, "备注", 9, red)
    lines = [s.remark] if s.remark else []
    lines.append(f"购方开户银行：{s.buyer.account.bank}；银行账号：{s.buyer.account.account}；")
    lines.append(f"销方开户银行：{s.seller.account.bank}；银行账号：{s.seller.account.account}；")
    for i, t in enumerate(lines):
        c.text(x0 + 22, ty + 208 + 12 * i, t, 8.5, "serif", INK, max_width=x1 - x0 - 30)
    b = c.text(x0 + 60, by + 12, "开票人：", 9, "serif", red)
    c.text(b[2], by + 12, s.drawer, 9, "serif", INK)
