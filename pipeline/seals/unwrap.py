"""Pure image transforms that turn a seal's text into straight lines for a line recogniser.

- :func:`ink_image`: the seal's ink as dark-on-white grey (on colour pages the full-resolution green and blue planes
  gated by redness, so print under the seal and tinted paper vanish and strokes stay sharp; on greyscale copies the
  seal's mid-grey without the black print (:func:`grey_ink`), or the grey levels themselves on faxes).
- :func:`unwrap_band`: an elliptical band unrolled into a strip (polar unwrap generalised to ellipses: each column is a
  normal of the ellipse, each row a fixed inward offset), clockwise for text along the top, counter-clockwise and
  flipped for text along the bottom.
- :func:`ring_outline`: a round seal's ring refitted as an ellipse on the full-resolution ink (a seal photographed
  at a slant).
- :func:`name_columns`: the columns of an unrolled band that hold the name's characters (ink across the band's height).
- :func:`text_segments` / :func:`column_runs`: angular runs of text in an unrolled band, split at gaps.
- :func:`column_cells`: the characters of one column of a square seal (row ranges).
- :func:`grid_strip`: a square seal's characters (columns right to left, top to bottom) laid out on one line.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipeline.ocr.redink import paper_colour, red_thresholds, redness


FAINT_INK = 0.15  # ink from this share of the local ink strength on is a stroke


def ink_image(crop: np.ndarray, colour: bool, faint: float = FAINT_INK) -> np.ndarray:
    """Grey uint8 image of the seal ink: 0 = full ink, 255 = paper.

    Colour crops: the stroke shapes come from how much green and blue the ink absorbs (``1 - max(G, B)`` of the
    white-balanced crop), gated by redness. Redness itself is a colour difference: in a JPEG scan or photo the
    colour planes are stored at half resolution and quantised hardest, so strokes drawn from it come out bold and
    blurred and faint strokes vanish (the recogniser then misreads dense characters), while the luminance detail is
    kept. The gate drops black and blue print (red channel dark or no redness) but keeps light strokes away from
    black print. Strength is normalised by the ink around each point, so the faint side of a partial impression comes
    out nearly as dark as the rest, and strokes come out solid.
    """
    if colour and crop.ndim == 3:
        paper = paper_colour(crop)
        red = redness(crop, paper)
        lo, _ = red_thresholds(red, crop.min(axis=2) > 0.85 * np.percentile(crop.min(axis=2), 90))
        if int((red > lo).sum()) < 20:
            return np.full(red.shape, 255, np.uint8)
        norm = np.minimum(crop.astype(np.float32) / paper, 1.0)
        bn, gn, rn = norm[..., 0], norm[..., 1], norm[..., 2]
        dark = 1.0 - np.maximum(gn, bn)  # what the ink absorbs
        # red enough (the colour planes are coarse: widen by a pixel), and the red channel not dark (black print).
        # (Not widening read 3 % more generated names exactly, but lost real ones: owner exact on realdata 0.67 ->
        # 0.57, type 0.95 -> 0.89, faint pink seals on tinted paper invoices.)
        gate = np.clip((cv2.dilate(red, np.ones((3, 3), np.uint8)) - 0.6 * lo) / max(1e-3, 0.6 * lo), 0.0, 1.0)
        gate *= np.clip((rn - 0.35) / 0.25, 0.0, 1.0)
        # faint strokes lose their colour to JPEG (chroma is quantised hardest) and turn light grey: light ink
        # counts too, away from black print (whose anti-aliased edges are light grey as well)
        near_black = cv2.dilate((rn < 0.6).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        gate = np.maximum(gate, np.clip((0.3 - dark) / 0.1, 0.0, 1.0) * ~near_black)
        dark *= gate
        # ink from ``faint`` of the local strength on counts (0.08 read 1 % more generated names exactly, but moved
        # the arc lattice of bj_submitted_late C1 past the mismatch bound of the seal rules)
        black = crop.max(axis=2) < 0.45 * np.percentile(crop.max(axis=2), 90)
        return _solid(dark, float(np.percentile(dark[red > lo], 60)), faint, black)
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    out = grey_ink(grey)
    if out is not None:
        return out
    lo, hi = np.percentile(grey, 2), np.percentile(grey, 90)
    return np.clip((grey.astype(np.float32) - lo) * (255.0 / max(1.0, hi - lo)), 0, 255).astype(np.uint8)


# Greyscale copies (thresholds of grey_ink; candidates for SealConfig): red seal ink turns mid-grey, print stays black
GREY_INKED = 0.85  # darker than this share of the paper (90th percentile) is ink, the seal's or the print's
GREY_PRINT = 0.6  # print: darker than this share of the ink's median level ...
GREY_PRINT_MAX = 0.45  # ... and than this share of the paper
GREY_PRINT_MIN = 0.15  # a print level below this: the ink is all black (a fax or binarised copy), nothing to split
GREY_PRINT_SHARE = 0.35  # at most this share of the ink is print; more: seal and print are equally dark
GREY_FAINT = 0.25  # grey ink from this share of the local strength on is a stroke (paper grain is grey too)


def grey_ink(grey: np.ndarray) -> np.ndarray | None:
    """A greyscale copy's seal ink as dark-on-white grey, or None when its seal cannot be told from the print.

    On a greyscale scan of a red seal the seal's strokes are mid-grey while the print is black: the print (darker
    than 0.6 of the ink's median level) drops out and the gaps it leaves in strokes are bridged from the ink around
    them, and the seal's grey is normalised by the ink around each point and made solid as on colour pages. The
    party's name printed across the seal was read as part of the arc (川达五金商贸 read as 川达藏贸 under 有限公),
    and the faint side of a partial impression stayed light grey. A fax or binarised copy (no grey level between
    print and seal), or a copy whose seal is as dark as the print (more than a third of the ink at print level),
    gives None: its grey levels are used as they are."""
    r = grey.astype(np.float32) / max(1.0, float(np.percentile(grey, 90)))
    inked = r < GREY_INKED
    if int(inked.sum()) < 20:
        return None
    level = min(GREY_PRINT_MAX, GREY_PRINT * float(np.median(r[inked])))
    black = r < level
    if level < GREY_PRINT_MIN or int(black.sum()) > GREY_PRINT_SHARE * int(inked.sum()):
        return None
    near_black = cv2.dilate(black.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    dark = np.where(near_black, 0.0, np.clip(1.0 - r, 0.0, 1.0)).astype(np.float32)
    seal = inked & ~near_black
    return _solid(dark, float(np.percentile(dark[seal], 60)) if seal.any() else 0.5, GREY_FAINT, near_black)


def _solid(dark: np.ndarray, full: float, faint: float, black: np.ndarray) -> np.ndarray:
    """Ink strength ``dark`` (0..1, ``full`` its typical level) as solid dark-on-white strokes: the recogniser reads
    solid glyphs better than shaded ones. Strength is normalised by the ink around each point (so the faint side of a
    partial impression comes out nearly as dark as the rest) and counts from ``faint`` of that on; where black print
    crosses a stroke (``black``) the ink cannot be seen, and the gap is bridged from the ink around it."""
    k = max(3, int(0.12 * max(dark.shape)) | 1)  # about a character and a half
    local = cv2.blur(cv2.dilate(dark, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))), (k, k))
    local = np.clip(0.7 * local, 0.5 * full, full)
    w = np.clip((dark - faint * local) / np.maximum(1e-3, 0.5 * local), 0.0, 1.0).astype(np.float32)
    closed = cv2.morphologyEx(w, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    w = np.where(black, np.maximum(w, closed), w)
    return np.clip(255.0 * (1.0 - w), 0, 255).astype(np.uint8)


def unwrap_band(img: np.ndarray, cx: float, cy: float, a: float, b: float, angle: float, t0: float, t1: float,
                d0: float, d1: float, bottom: bool = False) -> np.ndarray:
    """The band between inward offsets ``d0 < d1`` (pixels) of the ellipse (cx, cy, a, b, angle degrees), from
    parameter ``t0`` to ``t1`` (radians, increasing clockwise on screen), unrolled: row 0 is the outer edge, columns
    one pixel of arc apart at mid-band. ``bottom=True`` gives text along the bottom upright (run counter-clockwise,
    inner edge on top): pass t0 > t1."""
    dm = (d0 + d1) / 2
    am, bm = max(1.0, a - dm), max(1.0, b - dm)
    steps = np.linspace(t0, t1, 64)
    arc = float(np.sum(np.hypot(np.diff(am * np.cos(steps)), np.diff(bm * np.sin(steps)))))
    n_cols = max(8, int(arc))
    n_rows = max(8, int(round(d1 - d0)))
    t = np.linspace(t0, t1, n_cols)
    d = np.linspace(d1, d0, n_rows) if bottom else np.linspace(d0, d1, n_rows)
    th = math.radians(angle)
    A = np.maximum(a - d[:, None], 1.0)
    B = np.maximum(b - d[:, None], 1.0)
    x = A * np.cos(t)[None, :]
    y = B * np.sin(t)[None, :]
    map_x = (cx + x * math.cos(th) - y * math.sin(th)).astype(np.float32)
    map_y = (cy + x * math.sin(th) + y * math.cos(th)).astype(np.float32)
    return cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


# ring_outline: how far from the fitted circle the ring's edge is looked for, and how much of the rim must show it
OUTLINE_REACH = (0.82, 1.18)
OUTLINE_RAYS = 180
OUTLINE_MIN_RAYS = 0.6
OUTLINE_START = 1.08


def ring_outline(ink: np.ndarray, cx: float, cy: float, r: float,
                 ink_level: int = 128) -> tuple[float, float, float, float, float] | None:
    """The outer edge of a round seal's ring refitted as an ellipse on the full-resolution ink: (cx, cy, a, b,
    angle degrees), or None when too little of the rim shows an edge.

    A round seal photographed at a slant is an ellipse (axes 14 % apart on the generated photos), and the detector's
    circle, fitted on a coarse ink map where a blurred ring runs into the name, then cuts through the characters on
    one side and leaves a gap of paper on the other, so the band unrolled from it loses the tops of half the name.
    Along each of OUTLINE_RAYS rays, within OUTLINE_REACH of ``r``, the outer end of the outermost run of ink (two
    samples or more) that starts by OUTLINE_START of ``r`` is the ring's outer edge; an ellipse is fitted to those edges, the fifth that sit worst on it
    (a name seal or print touching the ring, a speck) dropped twice."""
    t = np.linspace(0.0, 2 * math.pi, OUTLINE_RAYS, endpoint=False)
    rr = np.arange(OUTLINE_REACH[0] * r, OUTLINE_REACH[1] * r, 0.5)
    xs = (cx + rr[None, :] * np.cos(t)[:, None]).astype(np.float32)
    ys = (cy + rr[None, :] * np.sin(t)[:, None]).astype(np.float32)
    dark = cv2.remap(ink, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255) < ink_level
    # on each ray the ring's outer edge is the outer end of the outermost run of ink (two samples or longer) that
    # starts by OUTLINE_START of r: a name seal or print beyond the ring starts further out, unless it touches it
    m = dark.shape[1]
    idx = np.arange(m)[None, :]
    begins = dark & ~np.concatenate([np.zeros((len(t), 1), bool), dark[:, :-1]], axis=1)
    start = np.maximum.accumulate(np.where(begins, idx, 0), axis=1)  # where each sample's run began
    ends = dark & ~np.concatenate([dark[:, 1:], np.zeros((len(t), 1), bool)], axis=1)
    ok = ends & (idx - start >= 1) & (rr[start] <= OUTLINE_START * r)
    has = ok.any(axis=1)
    if has.mean() < OUTLINE_MIN_RAYS:
        return None
    edge = m - 1 - np.argmax(ok[:, ::-1], axis=1)  # index in rr of the ring's outermost inked sample
    pts = np.stack([xs[np.arange(len(t)), edge], ys[np.arange(len(t)), edge]], axis=1)[has]
    for _ in range(2):
        (ex, ey), (w, h), ang = cv2.fitEllipse(pts)
        th = math.radians(ang)
        dx, dy = pts[:, 0] - ex, pts[:, 1] - ey
        u, v = dx * math.cos(th) + dy * math.sin(th), -dx * math.sin(th) + dy * math.cos(th)
        off = np.abs(np.hypot(u / max(w / 2, 1.0), v / max(h / 2, 1.0)) - 1.0) * r
        pts = pts[off <= max(2.0, float(np.percentile(off, 80)))]
        if len(pts) < 5:
            return None
    (ex, ey), (w, h), ang = cv2.fitEllipse(pts)
    return float(ex), float(ey), float(w / 2), float(h / 2), float(ang)


def text_segments(strip: np.ndarray, min_gap: int, min_len: int, ink_level: int = 128) -> list[tuple[int, int]]:
    """(start, end) column runs of a dark-on-white strip holding ink, split where ``min_gap`` or more columns are
    empty; runs shorter than ``min_len`` are dropped. A run crossing the strip's end wraps round (circular strips)."""
    return column_runs(ink_columns(strip, ink_level), min_gap, min_len)


def column_runs(cols: np.ndarray, min_gap: int, min_len: int) -> list[tuple[int, int]]:
    """(start, end) runs of True in a circular boolean row, joined across gaps shorter than ``min_gap``; runs shorter
    than ``min_len`` are dropped; a run crossing the end wraps round (end > len)."""
    n = len(cols)
    if not cols.any():
        return []
    if cols.all():
        return [(0, n)]
    # rotate so the strip starts in the middle of its widest gap, find runs, map back (may wrap: end > n)
    start, _ = widest_gap(cols)
    rolled = np.roll(cols, -start)
    runs, i = [], 0
    while i < n:
        if rolled[i]:
            j = i
            while j < n and rolled[j]:
                j += 1
            runs.append([i, j])
            i = j
        else:
            i += 1
    merged: list[list[int]] = []
    for r in runs:
        if merged and r[0] - merged[-1][1] < min_gap:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [(s + start, e + start) for s, e in merged if e - s >= min_len]


def name_columns(band: np.ndarray, ink_level: int = 128) -> np.ndarray:
    """Columns of an unrolled rim band (row 0 at the ring) that hold characters of the name along the rim.

    The name's characters fill the band's height; other ink reaches only part of it: a serial number's small digits
    lie along the ring (outer rows), the ends of a horizontal title (财务专用章) and the tips of the star poke into
    the inner rows. So a column counts when, within about a third of a character around it, there is ink both in
    the outer half of the band and in the inner half. Rows inked almost all the way round (an inner ring, the ring's
    own edge) are ignored.
    """
    ink = band < ink_level
    h, n = ink.shape
    ink = ink & ~(ink.mean(axis=1) > 0.6)[:, None]
    outer = ink[int(0.1 * h):int(0.45 * h)].sum(axis=0) >= 2
    inner = ink[int(0.55 * h):int(0.9 * h)].sum(axis=0) >= 2
    k = max(3, h // 3) | 1
    widen = np.ones(k, np.uint8)

    def near(row: np.ndarray) -> np.ndarray:  # circular max filter over k columns
        pad = np.concatenate([row[-k:], row, row[:k]]).astype(np.uint8)
        return cv2.dilate(pad[None, :], widen[None, :]).ravel()[k:k + n] > 0

    cols = near(outer) & near(inner)
    # a speck (noise, a stroke of the serial touching a title's end) makes a run no wider than the window itself
    for s, e in column_runs(cols, 1, 0):
        if e - s <= k + 2:
            cols[np.arange(s, e) % n] = False
    return cols


def ink_columns(strip: np.ndarray, ink_level: int = 128) -> np.ndarray:
    """Columns of a dark-on-white strip that hold ink."""
    return (strip < ink_level).sum(axis=0) > max(1, 0.06 * strip.shape[0])


def widest_gap(cols: np.ndarray) -> tuple[int, int]:
    """(middle index, length) of the longest circular run of False in ``cols`` (which holds at least one False)."""
    n = len(cols)
    first = int(np.argmax(cols))  # start on ink, so that no gap is cut in two by the strip's ends
    rolled = np.roll(cols, -first)
    best_len, best_mid, i = 0, 0, 0
    while i < n:
        if not rolled[i]:
            j = i
            while j < n and not rolled[j]:
                j += 1
            if j - i > best_len:
                best_len, best_mid = j - i, (i + j) // 2
            i = j
        else:
            i += 1
    return (best_mid + first) % n, best_len


def upright(img: np.ndarray, cx: float, cy: float, angle: float, size: int) -> np.ndarray:
    """A ``size`` x ``size`` crop centred on (cx, cy), turned by ``angle`` degrees (counter-clockwise on screen)."""
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    m[0, 2] += size / 2 - cx
    m[1, 2] += size / 2 - cy
    return cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=255)


def trim(grey: np.ndarray, pad: int = 4) -> np.ndarray:
    """The part of a dark-on-white crop that holds ink, with ``pad`` pixels of paper round it."""
    ink = grey < 200
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    if rows.size == 0:
        return grey
    y0, y1 = max(0, rows[0] - pad), min(grey.shape[0], rows[-1] + 1 + pad)
    x0, x1 = max(0, cols[0] - pad), min(grey.shape[1], cols[-1] + 1 + pad)
    return grey[y0:y1, x0:x1]


def to_bgr(grey: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
