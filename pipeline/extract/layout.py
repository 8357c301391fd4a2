"""Layout helpers over OCR'd or text-layer lines: reading order, label -> value search (to the right of the label on
its row, or below it), values run across OCR line breaks. Pure functions over :class:`Line`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from pipeline.types import BBox, Page


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # NFKC, spaces removed (labels and values are matched without spaces)
    raw: str
    bbox: BBox
    confidence: float
    page: int  # index of the page within the document's page list

    @property
    def h(self) -> float:
        return max(1.0, self.bbox.height)


def lines_of(pages: tuple[Page, ...] | list[Page]) -> list[Line]:
    """All lines of the pages in reading order: page, then rows (lines whose vertical centres are close), then x."""
    out: list[Line] = []
    for pi, page in enumerate(pages):
        items = [Line(re.sub(r"\s+", "", l.text), l.text, l.bbox, l.confidence, pi)
                 for l in page.lines if l.text.strip()]
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


def merge_split_labels(lines: list[Line], is_label: Callable[[str], bool]) -> list[Line]:
    """Join a label printed with wide letter spacing and read as fragments ("名" "称:", "合" "计") into one line."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        a = lines[i]
        if i + 1 < len(lines) and len(a.text) <= 2 and not is_label(a.text):
            b = lines[i + 1]
            joined = a.text + b.text
            if (same_row(a, b) and -0.5 * a.h <= b.bbox.x0 - a.bbox.x1 < 5 * a.h and is_label(joined)
                    and (len(b.text) <= 4 or not is_label(b.text))):
                box = union([a.bbox, b.bbox])
                out.append(Line(joined, a.raw + b.raw, box, min(a.confidence, b.confidence), a.page))
                i += 2
                continue
        out.append(a)
        i += 1
    return out
