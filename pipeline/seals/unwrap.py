"""Pure image transforms that turn a seal's text into straight lines for a line recogniser.

- :func:`ink_image`: the seal's ink as dark-on-white grey (redness on colour pages, so print under the seal and tinted
  paper vanish; the grey levels themselves on greyscale pages).
- :func:`unwrap_band`: an elliptical band unrolled into a strip (polar unwrap generalised to ellipses: each column is a
  normal of the ellipse, each row a fixed inward offset), clockwise for text along the top, counter-clockwise and
  flipped for text along the bottom.
- :func:`text_segments`: angular runs of text in an unrolled band, split at gaps.
- :func:`grid_strip`: a square seal's characters (columns right to left, top to bottom) laid out on one line.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipeline.ocr.redink import red_thresholds, redness


def ink_image(crop: np.ndarray, colour: bool) -> np.ndarray:
    """Grey uint8 image of the seal ink: 0 = full ink, 255 = paper."""
    if colour and crop.ndim == 3:
        red = redness(crop)
        lo, _ = red_thresholds(red, crop.min(axis=2) > 0.85 * np.percentile(crop.min(axis=2), 90))
        ink = red[red > lo]
        if ink.size < 20:
            return np.full(red.shape, 255, np.uint8)
        full = float(np.percentile(ink, 60))  # faint strokes of a partial impression still come out dark
        w = np.clip((red - 0.7 * lo) / max(1e-3, full - 0.7 * lo), 0.0, 1.0).astype(np.float32)
        # where black print crosses a stroke the ink cannot be seen: bridge such gaps from the ink around them
        dark = crop.max(axis=2) < 0.45 * np.percentile(crop.max(axis=2), 90)
        closed = cv2.morphologyEx(w, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        w = np.where(dark, np.maximum(w, closed), w)
        return np.clip(255.0 * (1.0 - w), 0, 255).astype(np.uint8)
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    lo, hi = np.percentile(grey, 2), np.percentile(grey, 90)
    return np.clip((grey.astype(np.float32) - lo) * (255.0 / max(1.0, hi - lo)), 0, 255).astype(np.uint8)


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


def text_segments(strip: np.ndarray, min_gap: int, min_len: int, ink_level: int = 128) -> list[tuple[int, int]]:
    """(start, end) column runs of a dark-on-white strip holding ink, split where ``min_gap`` or more columns are
    empty; runs shorter than ``min_len`` are dropped. A run crossing the strip's end wraps round (circular strips)."""
    cols = ink_columns(strip, ink_level)
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


def ink_columns(strip: np.ndarray, ink_level: int = 128) -> np.ndarray:
    """Columns of a dark-on-white strip that hold ink."""
    return (strip < ink_level).sum(axis=0) > max(1, 0.06 * strip.shape[0])


def widest_gap(cols: np.ndarray) -> tuple[int, int]:
    """(middle index, length) of the longest circular run of False in ``cols`` (which holds at least one False)."""
    n = len(cols)
    first = int(np.argmin(cols))
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


def best_rows(column: np.ndarray, lo: int = 1, hi: int = 8) -> int:
    """How many characters a column of a square seal holds: the row count whose equal cuts cross the least ink
    (ties to fewer rows)."""
    prof = (column < 128).mean(axis=1)
    h = len(prof)
    best, best_r = None, lo
    for r in range(lo, hi + 1):
        if r == 1:
            cost = 0.08
        else:
            cuts = [int(round(h * k / r)) for k in range(1, r)]
            cost = float(np.mean([prof[max(0, c - 1):c + 2].mean() for c in cuts]))
        if best is None or cost < best - 0.01:
            best, best_r = cost, r
    return best_r


def grid_strip(face: np.ndarray, cols: int, rows: list[int], height: int = 48) -> np.ndarray:
    """Characters of a square seal face read in traditional order (columns right to left, each top to bottom), laid
    side by side on one line of ``height`` pixels with a small gap."""
    h, w = face.shape[:2]
    cells = []
    for c in range(cols):
        x1 = int(round(w * (cols - c) / cols))
        x0 = int(round(w * (cols - c - 1) / cols))
        r = rows[c]
        for k in range(r):
            y0, y1 = int(round(h * k / r)), int(round(h * (k + 1) / r))
            cell = face[y0:y1, x0:x1]
            if cell.size == 0 or (cell < 128).mean() < 0.02:
                continue
            ch, cw = cell.shape[:2]
            side = max(ch, cw)
            sq = np.full((side, side), 255, np.uint8)
            sq[(side - ch) // 2:(side - ch) // 2 + ch, (side - cw) // 2:(side - cw) // 2 + cw] = cell
            cells.append(cv2.resize(sq, (height, height), interpolation=cv2.INTER_AREA))
            cells.append(np.full((height, height // 6), 255, np.uint8))
    if not cells:
        return np.full((height, height), 255, np.uint8)
    return np.concatenate(cells, axis=1)
