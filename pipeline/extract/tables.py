"""Tables read from the layout: the grid that invoice goods lines (:mod:`pipeline.extract.goods`) and contract item
lists (:mod:`pipeline.extract.contract_items`) are read from, and its plain rows (name, amount, tax rate, 类别).

Columns come from the header row (项目名称 / 金额 / 税率 ...); each row is anchored on a value in the amount column;
name lines between two anchors belong to the upper one (names wrapped over lines are joined)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract import normalize as N
from pipeline.extract.layout import Line, same_row, union

NAME_H = re.compile(r"(项目名称|货物或应税劳务|服务名称|产品名称|货物名称|名称)")
_AMOUNT_H = re.compile(r"^金额")
_RATE_H = re.compile(r"^税率")
_END = re.compile(r"^(合计|价税合计|小计|总计|合同总价)")
_OTHER_H = re.compile(r"^(规格型号|规格|单位|数量|单价|税额|序号|类别|型号)")
_MONEY = re.compile(r"\d[.,]\d{2}(?!\d)|\d{4,}")


@dataclass(frozen=True)
class Row:
    name: str | None
    amount: str | None
    tax_rate: str | None
    category: str | None
    lines: tuple[Line, ...]
    confidence: float


@dataclass(frozen=True)
class Grid:
    """A table found by its header row: the header cells left to right, the body lines (below the header, above the
    合计 row) and the column each body line falls in (:meth:`column`)."""

    name_h: Line
    amount_h: Line
    rate_h: Line | None
    cols: tuple[Line, ...]  # header cells, left to right
    body: tuple[Line, ...]
    bounds: tuple[float, ...]  # column i spans bounds[i-1] .. bounds[i] (midpoints between header centres)
    strict: bool = False  # contract tables: see find_grid
    total: tuple[Line, ...] = ()  # the 合计 row below the body (its label first), if any

    def header(self, pattern: re.Pattern) -> Line | None:
        return next((c for c in self.cols if pattern.search(c.text)), None)

    def column(self, l: Line) -> Line:
        k = self.cols.index(self.name_h)
        left = self.cols[k - 1] if self.strict and k > 0 else None
        if left is not None:  # strict: a name starts right of the header before it, however far it runs right
            if l.bbox.x0 < self.name_h.bbox.x1 and l.bbox.center[0] > left.bbox.x1 + 0.25 * left.h:
                return self.name_h
        elif l.bbox.x0 < self.name_h.bbox.x1 and l.bbox.x1 > self.name_h.bbox.x0 - 3 * self.name_h.h:
            return self.name_h  # a name starts under its header, however far it runs right
        cx = l.bbox.center[0]
        col = self.cols[sum(1 for b in self.bounds if cx > b)]
        if col is self.rate_h and N.tax_rate(l.text) is None and "*" not in l.text and _MONEY.search(l.text):
            # a right-aligned amount reaching under the rate header: the nearest other column (a short misread rate,
            # "138" or "68" for 13% and 6%, stays a rate: an amount has its cents)
            col = min((c for c in self.cols if c is not self.rate_h), key=lambda c: abs(c.bbox.center[0] - cx))
        return col


def _header(lines: list[Line], amount_h: re.Pattern, name_h: re.Pattern, strict: bool,
            start: int = 0) -> tuple[Line, Line, Line | None, list[Line]] | None:
    for i, l in enumerate(lines[start:], start):
        m = name_h.search(l.text)
        if not m or (len(l.text) > 12 and m.start() > 0) or len(l.text) > 30:
            continue
        row = [x for x in lines if x.page == l.page and abs(x.bbox.center[1] - l.bbox.center[1]) < 0.6 * l.h]
        row = _stacked(lines, l) if strict else _letter_spaced(row)
        amount = next((x for x in row if amount_h.search(x.text)), None)
        if amount is None:
            continue
        rate = next((x for x in row if _RATE_H.search(x.text)), None)
        return l, amount, rate, row
    return None


def find_grid(lines: list[Line], amount_h: re.Pattern = _AMOUNT_H, end: re.Pattern = _END,
              name_h: re.Pattern = NAME_H, strict: bool = False, start: int = 0) -> Grid | None:
    """The first table whose header row (a name header and an amount header on one row) is at or after ``start``.

    ``strict`` (contract tables): header cells printed over two lines ("单价" over "(元)") are one cell, and names are
    the lines right of the header before the name header (序号), so a short name far left of a centred header is
    still a name and a row number under 序号 is not."""
    head = _header(lines, amount_h, name_h, strict, start)
    if head is None:
        return None
    name, amount, rate_h, header_row = head
    if strict:  # header cells printed over two lines are in the row as one joined line: their parts are not body
        parts = [l for l in lines if l.page == name.page and any(_within(l, c) for c in header_row)]
        name = next(c for c in header_row if _within(name, c))
    else:
        parts = [l for l in lines if l.page == name.page and any(_within(l, c) for c in header_row)] + header_row
    cols = sorted(header_row, key=lambda x: x.bbox.center[0])
    body, total = _body(lines, name.page, name.bbox.y1 - 0.2 * name.h, end, parts)
    centers = [c.bbox.center[0] for c in cols]
    bounds = tuple((a + b) / 2 for a, b in zip(centers, centers[1:]))
    return Grid(name, amount, rate_h, tuple(cols), body, bounds, strict, total)


def continued(grid: Grid, lines: list[Line], page: int, end: re.Pattern = _END) -> Grid:
    """The same table's rows at the top of ``page`` (a table that runs on to the next page without its header)."""
    body, total = _body(lines, page, float("-inf"), end, [])
    return Grid(grid.name_h, grid.amount_h, grid.rate_h, grid.cols, body, grid.bounds, grid.strict, total)


def _body(lines: list[Line], page: int, top: float, end: re.Pattern,
          header_row: list[Line]) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """The lines of ``page`` below ``top`` and above the 合计 row, and that row (its label first)."""
    end_line = min((l for l in lines if l.page == page and l.bbox.y0 > top and end.match(l.text)),
                   key=lambda l: l.bbox.y0, default=None)
    end_y = end_line.bbox.y0 if end_line is not None else float("inf")
    body = [l for l in lines if l.page == page and top < l.bbox.center[1] < end_y and l not in header_row]
    body = [part for l in body for part in _split_joined(l)]
    total = (end_line,) + tuple(l for l in lines if l is not end_line and same_row(l, end_line)
                                and l.bbox.x0 > end_line.bbox.x1) if end_line is not None else ()
    return tuple(body), total


def _stacked(lines: list[Line], name: Line) -> list[Line]:
    """The header cells on the row of ``name``: a line on the row, or lines stacked in one column and centred on the
    row ("单价" over "(元)", "总价(人民币/" over "元)"), joined top to bottom. A body line just under a single-line
    header is not part of it (the stack would not be centred)."""
    cy = name.bbox.center[1]
    near = sorted((l for l in lines if l.page == name.page and abs(l.bbox.center[1] - cy) < 1.2 * name.h
                   and l.bbox.width < 10 * name.h), key=lambda l: l.bbox.x0)  # not the sentence above the table
    groups: list[list[Line]] = []
    for l in near:
        g = next((g for g in groups if any(_overlap_x(l, x) for x in g)), None)
        if g is None:
            groups.append([l])
        else:
            g.append(l)
    out = []
    for g in groups:
        g.sort(key=lambda l: l.bbox.y0)
        stacked = all(b.bbox.y0 > a.bbox.center[1] for a, b in zip(g, g[1:]))
        if len(g) > 1 and stacked and abs(union([l.bbox for l in g]).center[1] - cy) < 0.3 * name.h:
            out.append(Line("".join(l.text for l in g), "".join(l.raw for l in g), union([l.bbox for l in g]),
                            min(l.confidence for l in g), g[0].page, g[0].dy))
        else:
            out += [l for l in g if abs(l.bbox.center[1] - cy) < 0.8 * name.h]
    return out


def _letter_spaced(row: list[Line]) -> list[Line]:
    """Header cells printed with letter spacing and read one character at a time ("金" "额", "税" "额"): joined."""
    out: list[Line] = []
    for l in sorted(row, key=lambda l: l.bbox.x0):
        a = out[-1] if out else None
        if a is not None and len(a.text) == 1 and len(l.text) == 1 and 0 <= l.bbox.x0 - a.bbox.x1 < 2 * a.h:
            out[-1] = Line(a.text + l.text, a.raw + l.raw, union([a.bbox, l.bbox]), min(a.confidence, l.confidence),
                           a.page, a.dy)
        else:
            out.append(l)
    return out


def _overlap_x(a: Line, b: Line) -> bool:
    return min(a.bbox.x1, b.bbox.x1) - max(a.bbox.x0, b.bbox.x0) > 0.3 * min(a.bbox.width, b.bbox.width)


def _within(part: Line, cell: Line) -> bool:
    return cell.bbox.x0 <= part.bbox.center[0] <= cell.bbox.x1 and cell.bbox.y0 <= part.bbox.center[1] <= cell.bbox.y1


def read_table(lines: list[Line]) -> list[Row]:
    grid = find_grid(lines)
    return rows_of(grid) if grid is not None else []


def rows_of(grid: Grid) -> list[Row]:
    """The rows of a table: one per value in the amount column, with the name lines that belong to it (wrapped names
    joined), its tax rate and its 类别 cell."""
    name_h, amount_h, rate_h, body, column = grid.name_h, grid.amount_h, grid.rate_h, grid.body, grid.column
    anchors = sorted((l for l in body if column(l) is amount_h and N.amount(l.text)), key=lambda l: l.bbox.y0)
    cat_h = next((c for c in grid.cols if c.text.startswith("类别")), None)
    owner: dict[int, list[Line]] = {k: [] for k in range(len(anchors))}
    for l in body:
        if column(l) is not name_h or not anchors:
            continue
        cy = l.bbox.center[1]
        above = [k for k, a in enumerate(anchors) if a.bbox.center[1] <= cy + 0.5 * a.h]
        owner[max(above) if above else 0].append(l)  # a wrapped name line belongs to the row above it
    def cell(k: int, header: Line | None) -> Line | None:
        """The line of a one-line column on anchor k's row: within a line height of it and nearer to it than to any
        other row's anchor (tightly packed rows: the cell of a row OCR did not read is not the row above's)."""
        if header is None:
            return None
        a, dist = anchors[k], lambda l, x: abs(l.bbox.center[1] - x.bbox.center[1])  # noqa: E731
        cands = [l for l in body if column(l) is header and dist(l, a) < a.h
                 and all(dist(l, a) <= dist(l, o) for o in anchors)]
        return min(cands, key=lambda l: dist(l, a), default=None)

    rows = []
    for k, a in enumerate(anchors):
        names = sorted(owner[k], key=lambda l: (l.bbox.y0, l.bbox.x0))
        name = "".join(l.text for l in names) or None
        rate_line, cat_line = cell(k, rate_h), cell(k, cat_h)
        rate = N.tax_rate(rate_line.text) if rate_line is not None else None
        cat = cat_line.text if cat_line is not None else None
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
    return [Line(m.group(1), m.group(1), a, l.confidence, l.page, l.dy),
            Line(m.group(2), m.group(2), b, l.confidence, l.page, l.dy)]
