"""Invoice goods lines (FIELDS.md ``items``: name, amount, tax rate) from the layout, with the repairs a photographed or
scanned invoice needs, each resting on what the row itself prints:

* the table ends at its 合计 row, also when OCR read only one of its two characters or only its ¥ figures;
* a tax rate OCR misread ("138" or "1N" for 13%, "68" for 6%: % read as 8, a digit as a letter), or not read at
  all, is the standard rate that agrees with the readable characters *and* makes amount x rate = the row's tax figure
  to the cent; if no rate, or more than one, does both, the rate stays unread;
* item names keep the *简称* form of the tax classification: a star read as “ · or " is a star again, a leading star
  lost in front of "软件*..." is put back, and when both stars are lost the 简称 is taken from ``categories`` - only in
  a table whose other names show the starred form.

``read_goods(lines, categories) -> list[Row]`` (:class:`pipeline.extract.tables.Row`). Pure functions."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pipeline.extract import normalize as N
from pipeline.extract.layout import Line, union
from pipeline.extract.tables import NAME_H, Grid, Row, find_grid, rows_of

AMOUNT_H = re.compile(r"^金[额額]|^金$")
GOODS_END = re.compile(r"^(合计|价税合计|小计|总计|[合计]$|[¥￥])")
RATES = ("13", "9", "6", "3", "1", "0", "17", "16", "11", "10", "5", "1.5")  # VAT rates and levy rates, in percent
_STARS = "*＊※✱✻·•・“”\"‘’'"
_STARRED = re.compile(f"^([{re.escape(_STARS)}]?)([\\u4e00-\\u9fff、]{{2,12}})[{re.escape(_STARS)}](.+)$")
_CENTS = re.compile(r"\d[.,]\d{2}(?!\d)")
_LOOKALIKE_DIGITS = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "S": "5", "B": "8"})


def read_goods(lines: list[Line], categories: tuple[str, ...] = ()) -> list[Row]:
    grid = find_grid(lines, AMOUNT_H, GOODS_END) or _inferred_grid(lines)
    if grid is None:
        return []
    # text printed down the margin (税总函[2018]670号... on paper invoices) is no cell of the table
    grid = replace(grid, body=tuple(l for l in grid.body if len(l.text) < 3 or l.bbox.height <= 2 * l.bbox.width))
    rows = _checked(grid, [_with_rate(grid, r) for r in rows_of(grid)])
    table = any(_starred(r.name, categories) for r in rows)
    return [replace(r, name=item_name(r.name, categories, table)) for r in rows]


def _starred(name: str | None, categories: tuple[str, ...]) -> bool:
    """The name shows the *简称*name form: a real star after a short name, or a star-like mark (“ · ") after a known
    简称 (a quoted word at the start of a name is no 简称)."""
    m = _STARRED.match(name or "")
    return bool(m and (name[len(m.group(1)) + len(m.group(2))] in "*＊" or m.group(2) in categories))


def item_name(name: str | None, categories: tuple[str, ...] = (), table_starred: bool = False) -> str | None:
    """"软件*制造执行系统", and with 软件 a known 简称 "“软件“制造执行系统" -> "*软件*制造执行系统"; a name with both stars
    lost, in a table whose other names are starred: "计算机外部设备边缘计算服务器" -> "*计算机外部设备*边缘计算服务器"."""
    if not name:
        return name
    m = _STARRED.match(name)
    if m and _starred(name, categories):
        return f"*{m.group(2)}*{m.group(3)}"
    if not m and table_starred and name[0] not in _STARS:
        for cat in sorted(categories, key=len, reverse=True):
            if name.startswith(cat) and len(name) >= len(cat) + 2:
                return f"*{cat}*{name[len(cat):]}"
    return name


def _with_rate(grid: Grid, row: Row) -> tuple[Row, str | None]:
    """The row's rate, read or (when misread) the one the row's figures and readable characters agree on, and the
    row's tax figure (the first figure right of the rate)."""
    if not row.amount:
        return row, None
    anchor = row.lines[0]
    right = sorted((l for l in grid.body if l is not anchor and l.bbox.x0 > anchor.bbox.x1 - 0.5 * anchor.h
                    and abs(l.bbox.center[1] - anchor.bbox.center[1]) < 0.6 * anchor.h), key=lambda l: l.bbox.x0)
    rate_line = next((l for l in right[:1] if not _CENTS.search(l.text)), None)
    tax = next((N.amount(l.text) for l in right if l is not rate_line and _CENTS.search(l.text)), None)
    if row.tax_rate is None:
        rate = repair_rate(rate_line.text if rate_line else None, row.amount, tax)
        if rate is not None:
            row = replace(row, tax_rate=rate, lines=row.lines + ((rate_line,) if rate_line else ()),
                          confidence=row.confidence * (0.8 if rate_line else 0.7))
    return row, tax


def _checked(grid: Grid, rows: list[tuple[Row, str | None]]) -> list[Row]:
    """Every row: amount x rate = its tax; all rows: the amounts add up to the 合计 row. An amount read with a digit
    lost ("46725.6": one decimal) is the 合计 less the other rows when that is the only short row and the result keeps
    its readable digits and agrees with its tax (confidence x0.7); a row that disagrees otherwise keeps its values at
    half confidence."""
    total = next((N.amount(l.text) for l in grid.total if _CENTS.search(l.text) and grid.column(l) is grid.amount_h),
                 None)
    short = [k for k, (r, _) in enumerate(rows) if r.amount and re.search(r"\d\.\d$", r.lines[0].text)]
    fix: tuple[int, str] | None = None
    if total is not None and len(short) == 1 and all(r.amount for r, _ in rows):
        k = short[0]
        row, tax = rows[k]
        want = f"{Decimal(total) - sum(Decimal(r.amount) for i, (r, _) in enumerate(rows) if i != k):.2f}"
        rate = _percent(row.tax_rate)
        if want.startswith(row.amount[:-1]) and (tax is None or rate is None or _agrees(want, rate, tax)):
            fix = (k, want)
    out = []
    for k, (row, tax) in enumerate(rows):
        rate = _percent(row.tax_rate)
        if fix is not None and k == fix[0]:
            row = replace(row, amount=fix[1], confidence=row.confidence * 0.7)
        elif row.amount and tax and rate is not None and not _agrees(row.amount, rate, tax):
            row = replace(row, confidence=row.confidence * 0.5)
        out.append(row)
    return out


def _percent(rate: str | None) -> str | None:
    return rate[:-1] if rate and re.fullmatch(r"\d+(\.\d+)?%", rate) else None


def _agrees(amount: str, rate: str, tax: str, exact: bool = False) -> bool:
    """amount x rate = tax: to the cent as invoices round (``exact``), or within a cent either way."""
    product = Decimal(amount) * Decimal(rate) / 100
    if exact:
        return product.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal(tax)
    return abs(product - Decimal(tax)) <= Decimal("0.011")


def repair_rate(text: str | None, amount: str | None, tax: str | None) -> str | None:
    """A misread rate ("138", "1N", "68") as the standard rate whose digits start like the readable ones and that
    makes ``amount`` x rate = ``tax`` (to the cent); None unless exactly one does. A rate OCR did not read at all is
    the one standard rate the two figures agree on (the tax is the amount times the rate, rounded to the cent)."""
    read = "".join(c for c in N.nfkc(text or "").translate(_LOOKALIKE_DIGITS) if c.isdigit())
    if text and not read:
        return None  # something else is printed there (免税, ***, a word)
    try:
        if Decimal(tax) <= 0 or Decimal(amount) <= 0:
            return None
    except (InvalidOperation, TypeError):
        return None
    fits = [r for r in RATES if (read.startswith(r.replace(".", "")) or r.replace(".", "").startswith(read))
            and _agrees(amount, r, tax)]
    return f"{fits[0]}%" if len(fits) == 1 else None


def _inferred_grid(lines: list[Line]) -> Grid | None:
    """A goods table whose 金额 header OCR did not read: the amount column is the numeric column whose figures times
    a standard rate give the figures of a column to its right (the tax) on most rows - the rightmost such column, as
    单价 equals 金额 when the quantity is 1. The header row gets a 金额 cell (and a 税率 cell between the two, if its
    own was misread) over those columns, and the table is read as usual."""
    head = next((l for l in lines if NAME_H.search(l.text) and len(l.text) <= 30), None)
    if head is None:
        return None
    row = [l for l in lines if l.page == head.page and abs(l.bbox.center[1] - head.bbox.center[1]) < 0.8 * head.h]
    end = next((l for l in lines if l.page == head.page and l.bbox.y0 > head.bbox.y1 and GOODS_END.match(l.text)),
               None)
    bottom = end.bbox.y0 if end is not None else float("inf")
    money = [l for l in lines if l.page == head.page and head.bbox.y1 < l.bbox.center[1] < bottom
             and _CENTS.search(l.text) and N.amount(l.text)]
    cols: list[list[Line]] = []
    for l in sorted(money, key=lambda l: l.bbox.x1):  # right-aligned figures: cluster on the right edge
        if cols and l.bbox.x1 - cols[-1][-1].bbox.x1 < 1.5 * l.h:
            cols[-1].append(l)
        else:
            cols.append([l])
    best: tuple[int, int, int] | None = None
    for i, c in enumerate(cols):
        for j in range(i + 1, len(cols)):
            agree = sum(any(abs(a.bbox.center[1] - t.bbox.center[1]) < 0.6 * a.h and _taxed(a.text, t.text)
                            for t in cols[j]) for a in c)
            if agree and agree * 2 >= len(c) and (best is None or (agree, i) > best[:2]):
                best = (agree, i, j)
    if best is None:
        return None
    amount, tax = cols[best[1]], cols[best[2]]
    y0, y1 = head.bbox.y0, head.bbox.y1
    box = lambda ls: union([l.bbox for l in ls]).model_copy(update={"y0": y0, "y1": y1})  # noqa: E731
    cells = [Line("金额", "金额", box(amount), 0.5, head.page, head.dy)]
    gap = [l for l in lines if l.page == head.page and head.bbox.y1 < l.bbox.center[1] < bottom
           and l.bbox.x0 >= max(a.bbox.x1 for a in amount) - 0.2 * head.h
           and l.bbox.x1 <= min(t.bbox.x0 for t in tax) + 0.2 * head.h]
    if gap and not any(re.match(r"^税率", l.text) for l in row):
        cells.append(Line("税率", "税率", box(gap), 0.5, head.page, head.dy))
    if not any(re.match(r"^税[额額]", l.text) for l in row):
        cells.append(Line("税额", "税额", box(tax), 0.5, head.page, head.dy))
    for c in cols[:best[1]]:  # figures left of the amounts under no header of their own: 单价
        if not any(min(l.bbox.x1, x.bbox.x1) - max(l.bbox.x0, x.bbox.x0) > 0 for l in row for x in c):
            cells.append(Line("单价", "单价", box(c), 0.5, head.page, head.dy))
    covered = lambda l: any(min(l.bbox.x1, c.bbox.x1) - max(l.bbox.x0, c.bbox.x0) > 0 for c in cells)  # noqa: E731
    kept = [l for l in lines if not (l in row and l is not head and covered(l))]
    return find_grid(kept + cells, AMOUNT_H, GOODS_END)


def _taxed(amount: str, tax: str) -> bool:
    a, t = N.amount(amount), N.amount(tax)
    if not a or not t or Decimal(t) == 0:
        return False
    return any(abs(Decimal(a) * Decimal(r) / 100 - Decimal(t)) <= Decimal("0.011") for r in RATES if r != "0")
