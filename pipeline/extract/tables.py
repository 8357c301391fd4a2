"""Tables read from the layout: invoice goods lines (name, amount, tax rate) and contract item lists.

Columns come from the header row (项目名称 / 金额 / 税率 ...); each row is anchored on a value in the amount column;
name lines between two anchors belong to the upper one (names wrapped over lines are joined)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract import normalize as N
from pipeline.extract.layout import Line

_NAME_H = re.compile(r"(项目名称|货物或应税劳务|服务名称|产品名称|货物名称|名称)")
_AMOUNT_H = re.compile(r"^金额")
_RATE_H = re.compile(r"^税率")
_END = re.compile(r"^(合计|价税合计|小计|总计|合同总价)")
_OTHER_H = re.compile(r"^(规格型号|规格|单位|数量|单价|税额|序号|类别|型号)")


@dataclass(frozen=True)
class Row:
    name: str | None
    amount: str | None
    tax_rate: str | None
    category: str | None
    lines: tuple[Line, ...]
    confidence: float


def _header(lines: list[Line]) -> tuple[Line, Line, Line | None, list[Line]] | None:
    for i, l in enumerate(lines):
        m = _NAME_H.search(l.text)
        if not m or (len(l.text) > 12 and m.start() > 0) or len(l.text) > 30:
            continue
        row = [x for x in lines if x.page == l.page and abs(x.bbox.center[1] - l.bbox.center[1]) < 0.8 * l.h]
        amount = next((x for x in row if _AMOUNT_H.search(x.text)), None)
        if amount is None:
            continue
        rate = next((x for x in row if _RATE_H.search(x.text)), None)
        return l, amount, rate, row
    return None


def read_table(lines: list[Line]) -> list[Row]:
    head = _header(lines)
    if head is None:
        return []
    name_h, amount_h, rate_h, header_row = head
    page = name_h.page
    end_y = min((l.bbox.y0 for l in lines if l.page == page and l.bbox.y0 > name_h.bbox.y1 and _END.match(l.text)),
                default=float("inf"))
    body = [l for l in lines if l.page == page and name_h.bbox.y1 - 0.2 * name_h.h < l.bbox.center[1] < end_y
            and l not in header_row]
    body = [part for l in body for part in _split_joined(l)]
    cols = sorted(header_row, key=lambda x: x.bbox.center[0])

    centers = [c.bbox.center[0] for c in cols]
    bounds = [(a + b) / 2 for a, b in zip(centers, centers[1:])]  # column i spans bounds[i-1] .. bounds[i]

    def column(l: Line) -> Line:
        if l.bbox.x0 < name_h.bbox.x1 and l.bbox.x1 > name_h.bbox.x0 - 3 * name_h.h:
            return name_h  # a name starts under its header, however far it runs right
        cx = l.bbox.center[0]
        col = cols[sum(1 for b in bounds if cx > b)]
        if col is rate_h and N.tax_rate(l.text) is None and "*" not in l.text:
            # a right-aligned amount reaching under the rate header: the nearest other column
            col = min((c for c in cols if c is not rate_h), key=lambda c: abs(c.bbox.center[0] - cx))
        return col

    anchors = sorted((l for l in body if column(l) is amount_h and N.amount(l.text)), key=lambda l: l.bbox.y0)
    cat_h = next((c for c in cols if c.text.startswith("类别")), None)
    owner: dict[int, list[Line]] = {k: [] for k in range(len(anchors))}
    for l in body:
        if column(l) is not name_h or not anchors:
            continue
        cy = l.bbox.center[1]
        above = [k for k, a in enumerate(anchors) if a.bbox.center[1] <= cy + 0.5 * a.h]
        owner[max(above) if above else 0].append(l)  # a wrapped name line belongs to the row above it
    rows = []
    for k, a in enumerate(anchors):
        names = sorted(owner[k], key=lambda l: (l.bbox.y0, l.bbox.x0))
        name = "".join(l.text for l in names) or None
        rate = None
        if rate_h is not None:
            rl = [l for l in body if column(l) is rate_h and abs(l.bbox.center[1] - a.bbox.center[1]) < a.h]
            rate = N.tax_rate(min(rl, key=lambda l: abs(l.bbox.center[1] - a.bbox.center[1])).text) if rl else None
        cat = None
        if cat_h is not None:
            cl = [l for l in body if column(l) is cat_h and abs(l.bbox.center[1] - a.bbox.center[1]) < a.h]
            cat = min(cl, key=lambda l: abs(l.bbox.center[1] - a.bbox.center[1])).text if cl else None
        conf = min([a.confidence] + [l.confidence for l in names])
        rows.append(Row(name, N.amount(a.text), rate, cat, tuple([a] + names), conf))
    return rows


_JOINED = re.compile(r"^([\d,]+\.\d{2})(\d{1,2}%|免税|不征税|\*{1,3})$")


def _split_joined(l: Line) -> list[Line]:
    """A text layer may run an amount and its tax rate into one word ("216283.1913%"): split it in two."""
    m = _JOINED.match(l.text)
    if not m:
        return [l]
    from pipeline.types import BBox

    cut = l.bbox.x0 + l.bbox.width * len(m.group(1)) / len(l.text)
    a = BBox(x0=l.bbox.x0, y0=l.bbox.y0, x1=cut, y1=l.bbox.y1)
    b = BBox(x0=cut, y0=l.bbox.y0, x1=l.bbox.x1, y1=l.bbox.y1)
    return [Line(m.group(1), m.group(1), a, l.confidence, l.page),
            Line(m.group(2), m.group(2), b, l.confidence, l.page)]
