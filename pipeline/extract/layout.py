"""Layout helpers over OCR'd or text-layer lines: reading order, label -> value search (to the right of the label on
its row, or below it), values run across OCR line breaks. Pure functions over :class:`Line`."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable

from pipeline.types import BBox, Page, PageKind


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # NFKC, spaces removed (labels and values are matched without spaces)
    raw: str
    bbox: BBox  # in the page's coordinates, moved down by ``dy`` when the page's rows were levelled (see lines_of)
    confidence: float
    page: int  # index of the page within the document's page list
    dy: float = 0.0

    @property
    def h(self) -> float:
        return max(1.0, self.bbox.height)

    @property
    def src(self) -> BBox:
        """The box as read on the page (what a Region points at)."""
        b = self.bbox
        return b if not self.dy else BBox(x0=b.x0, y0=b.y0 - self.dy, x1=b.x1, y1=b.y1 - self.dy)


MIN_TILT = 0.004  # rows that rise or fall less than this per unit of width are left as read


def row_slope(boxes: list[BBox]) -> float:
    """How much the text rows of a photographed or skewed page fall per unit of width (dy/dx, the median over pairs of
    lines side by side on one row). Two passes: pairs close together first (a steep tilt moves far-apart lines of one
    row out of each other's vertical span), then every pair once the first estimate is taken off."""
    slope = 0.0
    boxes = sorted(boxes, key=lambda b: b.center[1])
    cys = [b.center[1] for b in boxes]
    for reach in (8.0, 60.0):
        found = []
        for a in boxes:
            ha = max(1.0, a.height)
            window = 0.45 * 1.6 * ha + abs(slope) * reach * ha + 0.15 * reach * ha  # rows a steep tilt could reach
            lo, hi = bisect_left(cys, a.center[1] - window), bisect_right(cys, a.center[1] + window)
            for b in boxes[lo:hi]:
                hb = max(1.0, b.height)
                gap = b.x0 - a.x1
                if not (0.5 * ha < gap < reach * ha) or not 0.6 < ha / hb < 1.6:
                    continue
                dx = b.center[0] - a.center[0]
                dy = b.center[1] - a.center[1] - slope * dx
                if abs(dy) < 0.45 * min(ha, hb):
                    found.append(slope + dy / dx)
        if len(found) < 5:
            return slope
        found.sort()
        slope = found[len(found) // 2]
    return slope


def lines_of(pages: tuple[Page, ...] | list[Page]) -> list[Line]:
    """All lines of the pages in reading order: page, then rows (lines whose vertical centres are close), then x.
    A page whose rows tilt (a photo taken at an angle, a skewed scan) is levelled first: each line is moved up or down
    by the tilt at its centre (``Line.dy``), so that a row's label and values share a row again."""
    out: list[Line] = []
    for pi, page in enumerate(pages):
        kept = [l for l in page.lines if l.text.strip()]
        slope = row_slope([l.bbox for l in kept]) if page.kind == PageKind.scanned else 0.0
        mid = page.width / 2
        items = []
        for l in kept:
            dy = -slope * (l.bbox.center[0] - mid) if abs(slope) >= MIN_TILT else 0.0
            box = l.bbox if not dy else BBox(x0=l.bbox.x0, y0=l.bbox.y0 + dy, x1=l.bbox.x1, y1=l.bbox.y1 + dy)
            items.append(Line(re.sub(r"\s+", "", l.text), l.text, box, l.confidence, pi, dy))
        items.sort(key=lambda l: (l.bbox.center[1], l.bbox.x0))
        rows: list[list[Line]] = []
        for l in items:
            r = rows[-1][0].bbox if rows else None
            if r is not None and min(r.y1, l.bbox.y1) - max(r.y0, l.bbox.y0) > 0.5 * min(r.height, l.h):
                rows[-1].append(l)
            else:
                rows.append([l])
        for row in rows:
            out.extend(sorted(row, key=lambda l: l.bbox.x0))
    return out


def same_row(a: Line, b: Line) -> bool:
    if a.page != b.page:
        return False
    overlap = min(a.bbox.y1, b.bbox.y1) - max(a.bbox.y0, b.bbox.y0)
    return overlap > 0.4 * min(a.h, b.h)


def right_of(label: Line, lines: list[Line], max_gap: float) -> list[Line]:
    """Lines on the label's row that start to its right, nearest first."""
    cands = [l for l in lines if l is not label and same_row(label, l)
             and (l.bbox.x0 >= label.bbox.x1 - 0.5 * label.h or l.bbox.center[0] > label.bbox.x1 + label.h)
             and l.bbox.x0 - label.bbox.x1 <= max_gap]
    return sorted(cands, key=lambda l: l.bbox.x0)


def below(label: Line, lines: list[Line], max_rows: float = 2.5) -> list[Line]:
    """Lines just below the label that overlap it horizontally (or start under it), nearest first."""
    out = []
    for l in lines:
        if l.page != label.page or l is label or l.bbox.y0 < label.bbox.y1 - 0.3 * label.h:
            continue
        if l.bbox.y0 - label.bbox.y1 > max_rows * label.h:
            continue
        overlap = min(l.bbox.x1, label.bbox.x1) - max(l.bbox.x0, label.bbox.x0)
        if overlap > 0 or abs(l.bbox.x0 - label.bbox.x0) < 2 * label.h:
            out.append(l)
    return sorted(out, key=lambda l: (l.bbox.y0, l.bbox.x0))


def union(boxes: list[BBox]) -> BBox:
    return BBox(x0=min(b.x0 for b in boxes), y0=min(b.y0 for b in boxes), x1=max(b.x1 for b in boxes),
                y1=max(b.y1 for b in boxes))


@dataclass(frozen=True, slots=True)
class Hit:
    value: str
    raw: str
    lines: tuple[Line, ...]
    confidence: float


Normaliser = Callable[[str], "str | None"]
_SEP = re.compile(r"^[:：;,，.、)\]）】]+")


def value_after_label(label: Line, match_end: int, lines: list[Line], norm: Normaliser, is_label: Callable[[str], bool],
                      max_gap: float, wrap: bool = False, skip: int = 0, below_ok: bool = True) -> Hit | None:
    """The value of a label found in ``label`` (ending at ``match_end``): the rest of its line, else the nearest line to
    the right on its row, else the line below. ``wrap`` joins a value continued on the next line (a long name)."""
    rest = _SEP.sub("", label.text[match_end:])
    if rest and not skip:
        v = norm(rest)
        if v is not None:
            return _wrapped(Hit(v, rest, (label,), label.confidence), label, lines, norm, is_label) if wrap else \
                Hit(v, rest, (label,), label.confidence)
    right = right_of(label, lines, max_gap)
    for cand in right:
        if is_label(cand.text):
            break
        v = norm(_SEP.sub("", cand.text))
        if v is not None and skip:
            skip -= 1
            continue
        if v is not None:
            hit = Hit(v, cand.raw, (label, cand), cand.confidence * 0.98)
            return _wrapped(hit, cand, lines, norm, is_label) if wrap else hit
    if skip:
        return None
    joined = _joined_right(right, norm, is_label)
    if joined is not None:
        return Hit(joined[0], joined[1], (label,) + joined[2], min(l.confidence for l in joined[2]) * 0.95)
    for cand in (below(label, lines)[:2] if below_ok else []):
        if is_label(cand.text):
            continue
        v = norm(_SEP.sub("", cand.text))
        if v is not None:
            return Hit(v, cand.raw, (label, cand), cand.confidence * 0.9)
    return None


def _joined_right(right: list[Line], norm: Normaliser, is_label) -> tuple[str, str, tuple[Line, ...]] | None:
    """A value read as several fragments on the row ("2025" "年" "10" "月" "24日"): join up to six, nearest first."""
    parts: list[Line] = []
    for cand in right[:6]:
        if is_label(cand.text):
            break
        parts.append(cand)
        if len(parts) >= 2:
            raw = "".join(p.text for p in parts)
            v = norm(raw)
            if v is not None:
                return v, raw, tuple(parts)
    return None


def _wrapped(hit: Hit, last: Line, lines: list[Line], norm: Normaliser, is_label) -> Hit:
    nxt = [l for l in below(last, lines, 1.0) if abs(l.bbox.x0 - last.bbox.x0) < 1.5 * last.h and not is_label(l.text)]
    if nxt and len(nxt[0].text) <= 12 and not re.search(r"[:：]", nxt[0].text):
        joined = norm(hit.raw + nxt[0].text)
        if joined:
            return Hit(joined, hit.raw + nxt[0].raw, hit.lines + (nxt[0],), min(hit.confidence, nxt[0].confidence))
    return hit


def merge_split_labels(lines: list[Line], is_label: Callable[[str], bool],
                       label_len: Callable[[str], int] = lambda s: 0) -> list[Line]:
    """Join a label printed with wide letter spacing and read as fragments ("名" "称:", "合" "计") into one line.
    A single character that is a label of its own ("名" when "称" is lost, a block marker "购") joins its neighbour only
    when the two make a longer label by ``label_len`` (the length of the label pattern matched at the start)."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        a = lines[i]
        single = len(a.text) == 1 and is_label(a.text)
        if i + 1 < len(lines) and len(a.text) <= 2 and (single or not is_label(a.text)):
            b = lines[i + 1]
            joined = a.text + b.text
            if (same_row(a, b) and -0.5 * a.h <= b.bbox.x0 - a.bbox.x1 < 5 * a.h and is_label(joined)
                    and (not single or label_len(joined) > 1)
                    and (len(b.text) <= 4 or not is_label(b.text))):
                box = union([a.bbox, b.bbox])
                out.append(Line(joined, a.raw + b.raw, box, min(a.confidence, b.confidence), a.page, a.dy))
                i += 2
                continue
        out.append(a)
        i += 1
    return out
