"""A contract's item table (产品名称 / 产品编号 / 类别 / 服务期限 / 数量 / 单价 / 金额): one item per row, each cell with
the lines it was read from, for the Shenzhen rules on catalogue prices, subscription periods and service shares.

Columns come from the header row (:func:`pipeline.extract.tables.find_grid`, header cells over two lines joined) and
rows are anchored on the amount column. The lines of every other column are grouped into cell blocks (lines close
above each other: a value wrapped inside its cell); a block belongs to the row whose amount lies within it, else to the
nearest row above it, so top-aligned and vertically centred cells with wrapped names both work. Quantity x unit price
= amount and the 合计 row check the figures. A table without its 合计 row on the page runs on to the next page (under a
repeated header or the same columns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pipeline.extract import normalize as N
from pipeline.extract.layout import Line
from pipeline.extract.tables import Grid, continued, find_grid
from pipeline.types import BBox

KEYS = ("name", "product_id", "kind", "quantity", "unit", "unit_price", "amount", "period_start", "period_end")

_NAME_H = re.compile(r"(项目名称|服务名称|产品名称|货物名称|设备名称|软件名称|名称|品名|产品/服务|产品及服务|服务内容|采购内容)")
_AMOUNT_H = re.compile(r"^(金额|总价|合计|价款|小计)")
_END = re.compile(r"^(金额)?(合计|总计)|^(价税合计|合同总价|合同总金额|总金额|大写)")
_MONEY = re.compile(r"^[¥￥]?\d[\d,]*(\.\d{1,2})?元?$")  # an amount cell, not a page number or a stray date
_COLUMNS = {  # header patterns of the columns read besides name and amount
    "product_id": re.compile(r"^(产品|商品)?(编号|编码|代码|货号)"),
    "category": re.compile(r"^(类别|类型|分类|产品类别)"),
    "period": re.compile(r"^(服务|订阅|使用|授权)?(期限|期间|周期|有效期)"),
    "quantity": re.compile(r"^数量"),
    "unit": re.compile(r"^(单位|计量单位)$"),
    "unit_price": re.compile(r"^(含税)?单价"),
}
_TOTAL_ROW = re.compile(r"^(合|总|小)计|\(含税\)$")
_NONE = re.compile(r"^[-—–一_/\\无]*$")
_QTY = re.compile(r"^([\dlI|Oo][\d,lI|Oo]*(?:\.\d+)?)?([^\d.,]{0,4})$")
_UNIT_OCR = str.maketrans({"治": "台", "冶": "台", "怡": "台", "抬": "台", "秦": "套"})  # OCR misreadings of 台 / 套
_DATE = re.compile(r"(?:19|20)\d\d\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}日?")
# kind of an item from its name when there is no 类别 column (服务器 is hardware although it contains 服务)
_KIND_WORDS = (("hardware", re.compile(r"服务器")), ("software", re.compile(r"SaaS|saas|订阅")),
               ("service", re.compile(r"服务|实施|培训|运维")),
               ("hardware", re.compile(r"设备|网关|终端|传感器|硬件|交换机|路由器|读写器|电脑|笔记本|一体机|打印机|扫描仪|"
                                       r"显示器|内存|硬盘|主机|工控机|平板|机柜|摄像|相机|机器人|控制器|PLC|UPS")))
_CATEGORY = (("software", re.compile(r"软件|SaaS|云")), ("hardware", re.compile(r"硬件|设备")),
             ("service", re.compile(r"服务|实施|培训|运维")))


@dataclass(frozen=True)
class Cell:
    value: str | None
    raw: str | None
    lines: tuple[Line, ...]
    confidence: float
    derived: bool = False  # computed from other cells (a quantity from amount / unit price) or inferred (a kind)


Item = dict[str, Cell]  # one cell per key of KEYS


def read_items(lines: list[Line]) -> list[Item]:
    """The items of the first item table, read on over the next pages while it has not reached its 合计 row (under a
    repeated header, or under the first page's columns)."""
    grid = find_grid(lines, _AMOUNT_H, _END, _NAME_H, strict=True)
    out: list[Item] = []
    page = grid.name_h.page if grid is not None else 0
    while grid is not None:
        items, ended = _read(grid)
        out += items
        if ended or not items or not any(l.page == page + 1 for l in lines):
            break
        page += 1
        start = next(i for i, l in enumerate(lines) if l.page == page)
        again = find_grid(lines, _AMOUNT_H, _END, _NAME_H, strict=True, start=start)
        top = again is not None and again.name_h.page == page and sum(
            1 for l in lines[start:] if l.page == page and l.bbox.y1 < again.name_h.bbox.y0) <= 3
        grid = again if top else continued(grid, lines, page, _END)
    return out


def _read(grid: Grid) -> tuple[list[Item], bool]:
    """The items of one page of the table, and whether the table ends on that page."""
    column = grid.column
    body, ended = _table_part(grid)
    anchors = sorted((l for l in body if column(l) is grid.amount_h and _MONEY.match(l.text) and N.amount(l.text)),
                     key=lambda l: l.bbox.center[1])
    if not anchors:
        return [], True
    heads = {k: grid.header(p) for k, p in _COLUMNS.items()}
    heads = {k: h for k, h in heads.items() if h is not None and h is not grid.name_h and h is not grid.amount_h}
    if "product_id" in heads:
        body = [part for l in body for part in _split_code(l, grid, heads["product_id"])]
    by_col: dict[int, list[Line]] = {}
    for l in body:
        by_col.setdefault(id(column(l)), []).append(l)
    cells: list[dict[str, tuple[Line, ...]]] = [{} for _ in anchors]
    for key, head in [("name", grid.name_h), ("amount", grid.amount_h)] + list(heads.items()):
        for k, block in _assign(by_col.get(id(head), []), anchors):
            cells[k][key] = cells[k].get(key, ()) + block
    # a 合计 / 小计 row read as an item, or an amount alone on its row (a stray figure, not an item)
    cells = [c for c in cells if set(c) - {"amount"}]
    items = [it for it in map(_item, cells) if not _TOTAL_ROW.search(it["name"].value or "")]
    total = next((N.amount(l.text) for l in grid.total[1:] if column(l) is grid.amount_h and N.amount(l.text)), None)
    return _reconcile(items, Decimal(total) if total else None), ended or bool(grid.total)


def _table_part(grid: Grid) -> tuple[list[Line], bool]:
    """The body down to where the table ends without a 合计 row: a line across most of the table (the prose after it)
    or a gap of more than three lines (the page footer); and whether it ended there (not just at the page footer).
    Before the first row such lines are a continuation page's running header: dropped."""
    width = grid.cols[-1].bbox.x1 - grid.cols[0].bbox.x0
    body = sorted(grid.body, key=lambda l: l.bbox.y0)
    gap = 3 * (sorted(l.h for l in body)[len(body) // 2] if body else 0)
    out: list[Line] = []
    rows = False
    for i, l in enumerate(body):
        wide, far = l.bbox.width > 0.6 * width, bool(out) and l.bbox.y0 - max(x.bbox.y1 for x in out) > gap
        if (wide or far) and rows:
            return out, wide or len(body) - i > 2
        if far:
            out = []
        if not wide:
            out.append(l)
            rows = rows or (grid.column(l) is grid.amount_h and bool(_MONEY.match(l.text)))
    return out, False


_CODE_TAIL = re.compile(r"^(.*[^\x00-\x7f])([A-Za-z0-9][A-Za-z0-9\-_/.]{3,})$")


def _split_code(l: Line, grid: Grid, code_h: Line) -> list[Line]:
    """OCR may read a long name and the product id beside it as one line ("…云平台订阅KP-CL-445113"): split it where
    the line reaches under the product-id header."""
    m = _CODE_TAIL.match(l.text)
    if not m or grid.column(l) is not grid.name_h or l.bbox.x1 < code_h.bbox.x0:
        return [l]
    w = lambda t: sum(1 if ord(ch) < 128 else 2 for ch in t)  # noqa: E731 (Chinese characters are twice as wide)
    cut = l.bbox.x0 + l.bbox.width * w(m.group(1)) / w(l.text)
    name_raw = l.raw[:len(l.raw) - len(m.group(2))] if l.raw.endswith(m.group(2)) else m.group(1)
    return [Line(m.group(1), name_raw, BBox(x0=l.bbox.x0, y0=l.bbox.y0, x1=cut, y1=l.bbox.y1), l.confidence, l.page,
                 l.dy),
            Line(m.group(2), m.group(2), BBox(x0=cut, y0=l.bbox.y0, x1=l.bbox.x1, y1=l.bbox.y1), l.confidence, l.page,
                 l.dy)]


def _assign(lines: list[Line], anchors: list[Line]) -> list[tuple[int, tuple[Line, ...]]]:
    """Cell blocks of one column (lines stacked close together) and the row each belongs to."""
    blocks: list[list[Line]] = []
    for l in sorted(lines, key=lambda l: (l.bbox.y0, l.bbox.x0)):
        last = blocks[-1][-1] if blocks else None
        if last is not None and (l.bbox.y0 - last.bbox.y1 < 0.45 * min(l.h, last.h)
                                 or l.bbox.center[1] - last.bbox.center[1] < 0.5 * last.h):
            blocks[-1].append(l)
        else:
            blocks.append([l])
    out = []
    for block in blocks:
        top, bottom = min(l.bbox.y0 for l in block), max(l.bbox.y1 for l in block)
        inside = [k for k, a in enumerate(anchors) if top - 0.25 * a.h <= a.bbox.center[1] <= bottom + 0.25 * a.h]
        if len(inside) == 1:
            out.append((inside[0], tuple(block)))
        elif inside:  # rows packed so tightly that their cells touch: each line to its nearest row
            for l in block:
                k = min(inside, key=lambda k: abs(anchors[k].bbox.center[1] - l.bbox.center[1]))
                out.append((k, (l,)))
        else:  # a wrapped continuation: the nearest row above it (the first row if none is above)
            above = [k for k, a in enumerate(anchors) if a.bbox.center[1] < top]
            out.append((max(above) if above else 0, tuple(block)))
    return out


def _item(c: dict[str, tuple[Line, ...]]) -> Item:
    def text(key: str) -> tuple[str, str, tuple[Line, ...], float]:
        ls = tuple(sorted(c.get(key, ()), key=lambda l: (l.bbox.y0, l.bbox.x0)))
        return ("".join(l.text for l in ls), "".join(l.raw for l in ls), ls,
                min((l.confidence for l in ls), default=0.0))

    def cell(key: str, norm) -> Cell:
        t, raw, ls, conf = text(key)
        if not ls:
            return Cell(None, None, (), 0.0)
        return Cell(norm(t), raw, ls, conf)

    out: dict[str, Cell] = {}
    out["name"] = cell("name", N.text)
    out["product_id"] = cell("product_id", lambda t: None if _NONE.match(t) else N.text(t))
    out["amount"] = cell("amount", N.amount)
    out["unit_price"] = cell("unit_price", N.amount)
    qty_t, qty_raw, qty_ls, qty_conf = text("quantity")
    qty, unit = _quantity(qty_t)
    if "unit" in c:  # a separate 单位 column
        out["unit"] = cell("unit", lambda t: None if _NONE.match(t) else N.text(t))
    else:
        out["unit"] = Cell(unit, qty_raw or None, qty_ls, qty_conf if qty_ls else 0.0)
    out["quantity"] = Cell(qty, qty_raw or None, qty_ls, qty_conf if qty_ls else 0.0)
    start, end = _period(text("period")[0])
    p_raw, p_ls, p_conf = text("period")[1:]
    out["period_start"] = Cell(start, p_raw or None, p_ls, p_conf)
    out["period_end"] = Cell(end, p_raw or None, p_ls, p_conf)
    out["kind"] = _kind(text("category"), out["name"])
    return out


def _quantity(t: str) -> tuple[str | None, str | None]:
    """"10台" -> ("10", "台"); "1年" -> ("1", "年"); "套" (a digit lost) -> (None, "套"); "—" -> (None, None)."""
    if not t or _NONE.match(t):
        return None, None
    m = _QTY.match(t)
    if not m:
        return None, None
    num, unit = m.group(1), (m.group(2) or "").translate(_UNIT_OCR) or None
    if num:
        num = num.replace(",", "").translate(str.maketrans("lI|Oo", "11100"))
        try:
            num = _plain(Decimal(num))
        except InvalidOperation:
            num = None
    return num or None, unit


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _period(t: str) -> tuple[str | None, str | None]:
    """"2025.03.01-2026.02.28", "2025年3月1日至2026年2月28日" -> both ends; "—" or a lone date -> (None, None)."""
    dates = [N.date(m.group(0)) for m in _DATE.finditer(t.replace(" ", ""))]
    if len(dates) == 2 and all(dates):
        return dates[0], dates[1]
    return None, None


def _kind(category: tuple[str, str, tuple[Line, ...], float], name: Cell) -> Cell:
    t, raw, ls, conf = category
    for kind, pat in _CATEGORY:
        if t and pat.search(t):
            return Cell(kind, raw, ls, conf)
    if not name.value:
        return Cell(None, raw or None, ls, 0.0)
    kind = next((k for k, pat in _KIND_WORDS if pat.search(name.value)), "software")
    return Cell(kind, name.raw, name.lines, round(0.7 * name.confidence, 4), derived=True)


def _dec(c: Cell) -> Decimal | None:
    return Decimal(c.value) if c.value is not None else None


def _scaled(c: Cell, factor: float) -> Cell:
    return Cell(c.value, c.raw, c.lines, round(c.confidence * factor, 4), c.derived)


def _reconcile(items: list[Item], total: Decimal | None) -> list[Item]:
    """Quantity x unit price = amount on every row, and the amounts add up to the 合计 row: fill a missing quantity or
    unit price, replace an amount misread where quantity x unit price makes the table add up, and lower the confidence
    of the terms of a row that does not agree (a misread digit)."""
    amounts = [_dec(it["amount"]) or Decimal(0) for it in items]
    adds_up = total is not None and sum(amounts) == total
    for k, c in enumerate(items):
        qty, price, amount = _dec(c["quantity"]), _dec(c["unit_price"]), amounts[k]
        a = c["amount"]
        if qty is None and price:
            q = amount / price
            if q == q.to_integral_value() and q > 0:
                c["quantity"] = Cell(_plain(q), c["quantity"].raw, c["quantity"].lines or a.lines,
                                     round(min(a.confidence, c["unit_price"].confidence) * 0.8, 4), derived=True)
        elif price is None and qty:
            c["unit_price"] = Cell(f"{(amount / qty).quantize(Decimal('0.01'))}", None, a.lines,
                                   round(a.confidence * 0.8, 4), derived=True)
        elif qty is not None and price is not None and (qty * price - amount).copy_abs() > Decimal("0.01"):
            product = (qty * price).quantize(Decimal("0.01"))
            if not adds_up and total is not None and sum(amounts) - amount + product == total:
                c["amount"] = Cell(f"{product}", a.raw, a.lines, round(min(c["quantity"].confidence,
                                   c["unit_price"].confidence) * 0.8, 4), derived=True)
                amounts[k], adds_up = product, True
                continue
            for key in ("quantity", "unit_price") + (() if adds_up else ("amount",)):
                c[key] = _scaled(c[key], 0.5)
    return items
