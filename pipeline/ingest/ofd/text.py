"""Text runs -> text lines with boxes in page pixels.

Each TextCode is a run of glyphs. Producers split text freely (one object per character, a ``¥`` and its amount in two
objects), so upright runs on the same baseline are joined when the gap between them is under ``JOIN_GAP`` ems, or
``LABEL_GAP`` ems after a label (``名称：``), and a space is put in when it is over ``SPACE_GAP`` ems. Table cells
further apart stay separate lines. Rotated runs and vertical columns stay lines of their own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.content import TextRun
from pipeline.types import BBox, Provenance, TextLine, TextSource

JOIN_GAP = 0.6
LABEL_GAP = 1.2  # after a label ending in a colon or a closing bracket, the value may sit further away
SPACE_GAP = 0.6
_LABEL_ENDS = (":", "：", ")", "）")
_ASCENT, _DESCENT = 0.88, 0.12


@dataclass
class _Fragment:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    size: float
    polygon: tuple[tuple[float, float], ...] | None  # set for rotated runs


def _fragment(run: TextRun, m: g.Affine) -> _Fragment | None:
    if not run.text.strip():
        return None
    xs0 = min(x for _, x, _, _ in run.glyphs)
    xs1 = max(x + w for _, x, _, w in run.glyphs)
    ys0 = min(y for _, _, y, _ in run.glyphs) - _ASCENT * run.size
    ys1 = max(y for _, _, y, _ in run.glyphs) + _DESCENT * run.size
    full = g.compose(m, run.matrix)
    corners = [g.apply(full, x, y) for x, y in ((xs0, ys0), (xs1, ys0), (xs1, ys1), (xs0, ys1))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    size = run.size * g.linear_scale(full)
    gy = [y for _, _, y, _ in run.glyphs]
    upright = g.is_upright(full) and max(gy) - min(gy) < 0.5 * run.size  # a vertical column stays a line of its own
    baseline = g.apply(full, run.glyphs[0][1], run.glyphs[0][2])[1]
    return _Fragment(run.text, min(xs), min(ys), max(xs), max(ys), baseline, size,
                     None if upright else tuple(corners))


def _joinable(line: _Fragment, f: _Fragment) -> bool:
    size = max(line.size, f.size)
    if line.polygon is not None or f.polygon is not None:
        return False
    if abs(line.baseline - f.baseline) > 0.25 * min(line.size, f.size) or not 0.5 <= f.size / line.size <= 2.0:
        return False
    limit = LABEL_GAP if line.text.rstrip().endswith(_LABEL_ENDS) else JOIN_GAP
    return -0.6 * size <= f.x0 - line.x1 <= limit * size  # boxes are estimated: allow some overlap


def _reading_order(lines: list[_Fragment]) -> list[_Fragment]:
    """Top to bottom in rows (a line joins the row when its middle lies within the row's first line), left to right."""
    rows: list[list[_Fragment]] = []
    for ln in sorted(lines, key=lambda ln: (ln.y0 + ln.y1) / 2):
        mid = (ln.y0 + ln.y1) / 2
        if rows and rows[-1][0].y0 <= mid <= rows[-1][0].y1:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.x0)]


def assemble_lines(runs: list[TextRun], to_px: g.Affine, size: tuple[int, int], provenance: Provenance
                   ) -> tuple[TextLine, ...]:
    """Lines in reading order, NFKC-normalised, boxes in page pixels; lines wholly off the page are dropped."""
    frags = [f for f in (_fragment(r, to_px) for r in runs) if f is not None]
    frags = [f for f in frags if f.x1 > 0 and f.y1 > 0 and f.x0 < size[0] and f.y0 < size[1]]
    lines: list[_Fragment] = []
    open_lines: list[_Fragment] = []
    for f in sorted(frags, key=lambda f: f.x0):
        target = min((ln for ln in open_lines if _joinable(ln, f)), key=lambda ln: abs(ln.baseline - f.baseline),
                     default=None)
        if target is None:
            new = _Fragment(f.text, f.x0, f.y0, f.x1, f.y1, f.baseline, f.size, f.polygon)
            lines.append(new)
            if f.polygon is None:
                open_lines.append(new)
            continue
        gap = f.x0 - target.x1
        sep = " " if gap > SPACE_GAP * max(target.size, f.size) else ""
        target.text += sep + f.text
        target.x0, target.y0 = min(target.x0, f.x0), min(target.y0, f.y0)
        target.x1, target.y1 = max(target.x1, f.x1), max(target.y1, f.y1)
    out = []
    for ln in _reading_order(lines):
        text = unicodedata.normalize("NFKC", ln.text).strip()
        if not text:
            continue
        bbox = BBox.from_points(ln.polygon) if ln.polygon else BBox(x0=ln.x0, y0=ln.y0, x1=ln.x1, y1=ln.y1)
        out.append(TextLine(text=text, bbox=bbox, confidence=1.0, source=TextSource.ofd, provenance=provenance))
    return tuple(out)
