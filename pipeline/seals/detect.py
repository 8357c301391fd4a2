"""Seal detection: red-ink regions fitted to a circle, ellipse or rectangle; rings on greyscale and fax pages.

:class:`SealDetector` is built once from a :class:`SealConfig` and called per page image. It works on a copy of the
page at ``config.work_dpi``:

1. red ink as a soft weight (:func:`pipeline.ocr.redink.red_weight`: white-balanced by the local paper colour, so
   phone-photo light and tinted invoice paper do not matter; its threshold rises above the paper's colour noise);
   weight >= 0.5 is the ink mask;
2. ink pixels grouped into regions (a small dilation joins a ring's broken pieces and its characters), straight red
   rules removed first (not a square seal's border: :func:`remove_rules`);
3. each region fitted (:func:`pipeline.seals.geometry.fit_shape`); a region too big for one seal or whose outline is
   poorly explained is split into circles (overlapping seals);
4. a nearly round fit is replaced by the circle that sits best on the soft weight
   (:func:`pipeline.seals.geometry.refine_circle`): the faint side of a partial impression, below the mask's
   threshold, pulls an ellipse fit off centre and out of round;
5. a fit that explains only part of its region's outline must sit on a continuous ring or border
   (:func:`_on_ring`): red form print, labels and table rules are not seals;
6. seals joined into one region (a name seal stamped across a company seal's rim) are separated: rings and squares
   in the ink the fits leave over (:func:`separate`; a pale square's border is scored with faint ink counted,
   :func:`faint_weight`); a whole, clean ring counts from SMALL_RING_MM (an image read at an assumed dpi);
7. regions at a page edge that are much narrower than long are slices of a cross-page seal (骑缝章);
8. on a page without colour (a greyscale scan, a binarised fax) seal ink and print are both dark: round and oval
   seals are found by their ring alone, squares by their border, slices at the page edges (:func:`grey_rings`), all
   reported at lower confidence.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ocr.redink import paper_colour, red_thresholds, red_weight
from pipeline.config import SealConfig
from pipeline.seals.geometry import (Fit, _rect_points, arc_scores, best_circle, border_scores, find_rings,
                                     find_square, fit_circle, fit_shape, longest_arc, match_ring, outside_all,
                                     oval_near, rect_score, refine_circle, refine_ellipse, refine_square, ring_scores,
                                     ring_support, split_circles)
from pipeline.types import BBox, SealShape

MM_PER_INCH = 25.4
A4_LONG_INCH = 11.7


@dataclass(frozen=True)
class Candidate:
    """A seal found on a page, in page pixels: its fitted outline, shape and how sure the detector is."""

    page: int
    shape: SealShape
    fit: Fit  # page pixels
    bbox: BBox  # bounding box of the visible region, with the fitted outline as polygon
    confidence: float
    colour: bool  # found from red ink; False: from ring structure on a greyscale page
    cross_page: bool = False
    edge: str | None = None  # "left" | "right" | "top" | "bottom" for a cross-page slice


def page_dpi(image: np.ndarray, dpi: float | None) -> float:
    """The page's effective dpi: the declared one, or more when the raster is larger than an A4 page at that dpi
    (a phone photo declares a nominal 200 dpi but holds the page at 400 or more)."""
    by_size = max(image.shape[:2]) / A4_LONG_INCH
    return max(float(dpi), by_size) if dpi else by_size


def is_colourless(image: np.ndarray) -> bool:
    """True for a greyscale raster (one channel, or three nearly equal channels)."""
    if image.ndim == 2 or image.shape[2] == 1:
        return True
    sub = image[::2, ::2].astype(np.int16)
    chroma = np.abs(sub[..., 2] - sub[..., 1]) + np.abs(sub[..., 1] - sub[..., 0])
    # a colour photo of a page without red still has a colour cast; a greyscale raster has none
    return float((chroma > 40).mean()) < 2e-4 and float((chroma > 6).mean()) < 2e-3


class SealDetector:
    """``SealDetector(config)(image_bgr, page_index, dpi=None) -> list[Candidate]``; thread-safe, no state per call."""

    def __init__(self, config: SealConfig | None = None) -> None:
        self.config = config or SealConfig()

    def __call__(self, image: np.ndarray, page_index: int, dpi: float | None = None) -> list[Candidate]:
        cfg = self.config
        dpi = page_dpi(image, dpi)
        scale = min(1.0, cfg.work_dpi / dpi)
        h, w = image.shape[:2]
        small = image if scale >= 1.0 else cv2.resize(
            image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        px_mm = dpi * scale / MM_PER_INCH
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        band = max(2.0, 1.2 * px_mm)
        if is_colourless(small):
            if not cfg.grey_enabled:
                return []
            out = grey_rings(small, page_index, 1.0 / scale, px_mm, band, cfg)
        else:
            out = []
            weight = seal_weight(small, cfg.max_hue_ratio)
            mask = weight >= 0.5
            faint = _Faint(small, weight, cfg.max_hue_ratio)
            for region in ink_regions(mask, px_mm, cfg):
                fits = []
                for fit, _ in fit_region(region, px_mm, cfg, mask):
                    fit = refine_circle(weight, fit, band) or fit
                    if not _on_ring(weight, fit, band):
                        fit = _refit_on_ring(weight, mask, fit, band)
                        if fit is None:
                            continue
                    fits.append(fit)
                fits = separate(region, fits, weight, px_mm, band, faint)
                for fit in fits:
                    min_mm = SMALL_RING_MM if _whole_small_ring(weight, fit, px_mm, band, cfg) else None
                    cand = _candidate(fit, page_index, 1.0 / scale, (h, w), px_mm, cfg, min_mm)
                    if cand is not None:
                        out.append(cand)
            slices = [_slice_candidate(s, page_index, 1.0 / scale, (h, w))
                      for s in edge_slices(weight, px_mm, band, cfg)]
            # a whole ring found where a slice would be is a whole seal near the edge (a supervision seal at the top
            # of an e-invoice), not a slice: the slice's cut would have left only part of its ring
            whole = [c for c in out if c.fit.support >= WHOLE_SUPPORT]
            slices = [s for s in slices if not any(_within(s, c) for c in whole)]
            out = [c for c in out if not any(_within(c, s) for s in slices)] + slices
        kept: list[Candidate] = []
        for cand in sorted(out, key=lambda c: -c.fit.a * c.fit.b):
            if not any(_same(cand, k) for k in kept):
                kept.append(cand)
        return sorted(kept, key=lambda c: (c.bbox.y0, c.bbox.x0))


def seal_weight(image: np.ndarray, max_hue_ratio: float) -> np.ndarray:
    """Red seal ink as a soft weight in [0, 1] (:func:`red_weight`; >= 0.5 is ink, what :func:`red_mask` gives)
    without orange-brown pixels (the printed frame and labels of paper invoices, e.g. RGB 150/75/30), told apart by
    the share of green over blue in the white-balanced colour. Faint ink keeps a low weight, which the ring fit of a
    partial impression uses."""
    weight = red_weight(image)
    if not (weight > 0).any():
        return weight
    norm = image.astype(np.float32) / paper_colour(image)
    b, g, r = norm[..., 0], norm[..., 1], norm[..., 2]
    hue = (g - b) / np.maximum(r - np.minimum(g, b), 1e-3)
    return np.where(hue < max_hue_ratio, weight, 0.0).astype(np.float32)


# Faint ink (FAINT_SHARE of the page's redness thresholds): the pale side of a personal name seal whose redness
# (0.06-0.08 on a scanned contract, where the page's thresholds are 0.05-0.12) keeps a weight near 0, so that its
# border scored 0.45 against the 0.45 a square needs; with this weight, 0.70. Used only to score the border of a
# square next to a ring already found (:func:`separate`), never to find ink groups.
FAINT_SHARE = 0.5


class _Faint:
    """The soft weight with faint ink counted (:data:`FAINT_SHARE`), filled in per window when first asked for (a
    whole page costs ~28 ms at the work resolution, a seal's surroundings a few)."""

    def __init__(self, image: np.ndarray, weight: np.ndarray, max_hue_ratio: float) -> None:
        self._image, self._weight, self._hue = image, weight, max_hue_ratio
        self._faint: np.ndarray | None = None
        self._norm: np.ndarray | None = None
        self._thresholds: tuple[float, float] = (0.0, 0.0)

    def __call__(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """The page's faint weight, computed within ``box`` (x0, y0, x1, y1, work pixels); the plain weight
        elsewhere."""
        if self._faint is None:
            self._faint = self._weight.copy()
            self._norm = np.minimum(self._image.astype(np.float32) / paper_colour(self._image), 1.0)
            n = self._norm
            sub = n[:: max(1, n.shape[0] // 256), :: max(1, n.shape[1] // 256)]
            self._thresholds = red_thresholds(sub[..., 2] - np.maximum(sub[..., 0], sub[..., 1]),
                                              sub.min(axis=2) > 0.85)
        H, W = self._weight.shape
        x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(W, box[2]), min(H, box[3])
        if x1 > x0 and y1 > y0:
            win = faint_weight(self._norm[y0:y1, x0:x1], self._weight[y0:y1, x0:x1], self._hue, self._thresholds)
            self._faint[y0:y1, x0:x1] = win
        return self._faint


def faint_weight(norm: np.ndarray, weight: np.ndarray, max_hue_ratio: float,
                 thresholds: tuple[float, float]) -> np.ndarray:
    """:func:`seal_weight` with the page's redness thresholds (``thresholds``, as :func:`red_weight` sets them) scaled
    by FAINT_SHARE: faint pink ink that those thresholds (raised above the paper's colour noise) leave at a weight near
    0 counts. ``norm``: the image white-balanced by its paper colour, clipped to 1. Orange-brown pixels stay out. At
    least ``weight`` everywhere."""
    b, g, r = norm[..., 0], norm[..., 1], norm[..., 2]
    lo, hi = thresholds
    t = np.clip((r - np.maximum(g, b) - FAINT_SHARE * lo) / (FAINT_SHARE * (hi - lo)), 0.0, 1.0)
    faint = t * t * (3.0 - 2.0 * t)
    hue = (g - b) / np.maximum(r - np.minimum(g, b), 1e-3)
    return np.maximum(weight, np.where(hue < max_hue_ratio, faint, 0.0)).astype(np.float32)


def seal_ink(image: np.ndarray, max_hue_ratio: float) -> np.ndarray:
    """Red seal ink pixels: :func:`seal_weight` >= 0.5."""
    return seal_weight(image, max_hue_ratio) >= 0.5


# An outline that explains less than WHOLE_SUPPORT of the region's outline must sit on a continuous ring or border:
# mean ink across its width, less half the ink just outside, at least MIN_RING_SCORE for an ellipse (true partial
# impressions on the generated sets score 0.33 and more; red form print, labels and table rules taken for a ring
# 0.12-0.30) and MIN_BORDER_SCORE for a rectangle (true 0.28 and more; red table labels 0.10-0.24).
WHOLE_SUPPORT = 0.8
MIN_RING_SCORE = 0.3
MIN_BORDER_SCORE = 0.26


def _on_ring(weight: np.ndarray, fit: Fit, band: float) -> bool:
    if fit.support >= WHOLE_SUPPORT:
        return True
    if fit.kind == "rect":
        return rect_score(weight, fit, band) >= MIN_BORDER_SCORE
    score = ring_scores(weight, [fit.cx], [fit.cy], [fit.a], [fit.b], fit.angle, band)[0]
    return bool(score >= MIN_RING_SCORE)


def _refit_on_ring(weight: np.ndarray, mask: np.ndarray, fit: Fit, band: float) -> Fit | None:
    """A fit that failed :func:`_on_ring` moved onto the ring it may have missed (an oval seal whose contour was
    spoiled by a red rule touching it), or None when there is no such ring."""
    if fit.kind != "ellipse":
        return None
    alt, score = refine_ellipse(weight, fit, band)
    if score < MIN_RING_SCORE + 0.1 or max(alt.a, alt.b) > 1.7 * min(alt.a, alt.b):
        return None
    alt = Fit(alt.kind, alt.cx, alt.cy, alt.a, alt.b, alt.angle, ring_support(mask, alt, band), alt.fill)
    return alt if _on_ring(weight, alt, band) else None


# A whole ring (ring support >= WHOLE_SUPPORT, ring score >= SMALL_RING_SCORE, axes within SMALL_RING_ASPECT) is a
# seal down to SMALL_RING_MM across instead of cfg.min_size_mm: an image without a dpi is read at an assumed 200 dpi,
# and an invoice captured at about 100 dpi shows its 30x20 mm supervision seal at 14x9.5 mm (two real invoices: ring
# scores 0.67 and 0.69). Ellipses of 8-11 mm that are not seals, on the real, generated and scenario pages: ring
# support <= 0.78, ring score <= 0.49.
SMALL_RING_MM = 8.0
SMALL_RING_SCORE = 0.6
SMALL_RING_ASPECT = 1.7


def _whole_small_ring(weight: np.ndarray, fit: Fit, px_mm: float, band: float, cfg: SealConfig) -> bool:
    """Whether an ellipse fit under ``cfg.min_size_mm`` is a whole, clean ring (see SMALL_RING_MM)."""
    if fit.kind != "ellipse" or fit.support < WHOLE_SUPPORT:
        return False
    if max(fit.a, fit.b) > SMALL_RING_ASPECT * min(fit.a, fit.b):
        return False
    side = 2 * min(fit.a, fit.b) / px_mm
    if side >= cfg.min_size_mm or side < SMALL_RING_MM:
        return False
    return bool(ring_scores(weight, [fit.cx], [fit.cy], [fit.a], [fit.b], fit.angle, band)[0] >= SMALL_RING_SCORE)


# Seals joined into one ink group (a personal name seal stamped across a company seal's rim, two company seals
# overlapping): the ink the group's fits leave over, in pieces of at least REST_MM, is looked at again. Rings of
# JOINED_RING_MM radius scoring at least JOINED_RING_SCORE (see _on_ring; whole red rings score 0.75-1.0, one end of
# a printed oval about 0.6) are taken as round seals; then squares of SQUARE_MM sides whose border outside the round
# seals scores at least MIN_SQUARE_SCORE.
REST_MM = 5.0
JOINED_RING_MM = (10.0, 26.0)
JOINED_RING_SCORE = 0.6
SQUARE_MM = (12.0, 28.0)
MIN_SQUARE_SCORE = 0.45
MIN_SQUARE_SUPPORT = 0.6


def separate(region: "_Region", fits: list[Fit], weight: np.ndarray, px_mm: float, band: float,
             faint: _Faint | None = None) -> list[Fit]:
    """The seals of an ink group, given the fits found for it (work-image pixels): a name seal overlapping a round
    seal joins it into one group, whose fit is the round seal alone, or the square taken for a small ring, or an
    ellipse round both. Where the fits leave ink over (:func:`_rest_pieces`), or an elongated ellipse with a poor
    outline was fitted to the whole group:

    1. rings on the soft weight round the group (:func:`find_rings`) that are not a fit already; an elongated
       ellipse round a ring found this way is dropped (it was fitted to the joined group);
    2. a fit small enough for a name seal that a square explains better than its ring is replaced by the square;
    3. each piece still left over is searched for a square (:func:`find_square`) whose border outside the rings
       sits on ink: the name seal's part outside the company seal; scored with faint ink counted (``faint``, see
       FAINT_SHARE): a pale name seal beside a company seal keeps only the side nearest it in the mask.
    """
    pieces = _rest_pieces(region, fits, px_mm, band)
    joined = [f for f in fits
              if f.kind == "ellipse" and f.support < WHOLE_SUPPORT and max(f.a, f.b) > 1.15 * min(f.a, f.b)]
    if not pieces and not joined:
        return fits
    H, W = weight.shape
    h, w = region.mask.shape
    g = int(2 * band)
    x0, y0 = max(0, region.x0 - g), max(0, region.y0 - g)
    win = weight[y0:min(H, region.y0 + h + g), x0:min(W, region.x0 + w + g)]
    fits = list(fits)
    for ring in find_rings(win, JOINED_RING_MM[0] * px_mm, JOINED_RING_MM[1] * px_mm, band, JOINED_RING_SCORE):
        ring = ring.scaled(1.0, x0, y0)
        if any(f.kind == "ellipse" and math.hypot(f.cx - ring.cx, f.cy - ring.cy) < 0.2 * ring.a
               and abs(f.a / ring.a - 1) < 0.1 and abs(f.b / ring.a - 1) < 0.1 for f in fits):
            continue  # the fit found it
        if not any(_superseded(f, ring, weight, band) for f in joined) and not (
                pieces and _inside(ring, *np.concatenate(pieces)[::7].T).any()):
            continue  # explains none of the ink left over
        fits = [f for f in fits if not _superseded(f, ring, weight, band)]
        support = ring_support(region.mask, ring.scaled(1.0, -region.x0, -region.y0), band)
        fits.append(Fit("ellipse", ring.cx, ring.cy, ring.a, ring.b, 0.0, support, 0.0))
    rings = tuple(f for f in fits if _seal_ring(f, px_mm))
    if not rings:
        return fits
    out = []
    for f in fits:  # a name seal taken for a small ring
        sq = None
        if f in rings and 2 * max(f.a, f.b) <= SQUARE_MM[1] * px_mm and max(f.a, f.b) <= 1.2 * min(f.a, f.b):
            others = tuple(r for r in rings if r is not f)
            yy, xx = np.nonzero(region.mask)
            pts = np.stack([xx + region.x0, yy + region.y0], axis=1).astype(np.float64)
            near = (np.abs(pts[:, 0] - f.cx) <= 1.2 * f.a) & (np.abs(pts[:, 1] - f.cy) <= 1.2 * f.b)
            pts = pts[near & outside_all(pts[:, 0], pts[:, 1], others, band)]
            sq = _square(region, pts, others, weight, px_mm, band)
            ring_score = ring_scores(weight, [f.cx], [f.cy], [f.a], [f.b], f.angle, band)[0]
            if sq is not None and (sq[1] <= ring_score or sq[1] < MIN_SQUARE_SCORE):
                sq = None
        out.append(sq[0] if sq is not None else f)
    fits = out
    rings = tuple(f for f in fits if _seal_ring(f, px_mm))
    score_on: np.ndarray | None = None
    for pts in _rest_pieces(region, fits, px_mm, band):
        if not rings or outside_all(pts[:, 0], pts[:, 1], rings, 2 * band).all():
            continue  # a name seal stamped across a ring touches it
        if score_on is None:  # faint ink within reach of every square the search may try, and its sides' ends
            grow = int((SQUARE_MM[1] + RUN_ON_MM[1]) * px_mm)
            score_on = weight if faint is None else faint(
                (region.x0 - grow, region.y0 - grow, region.x0 + w + grow, region.y0 + h + grow))
        sq = _square(region, pts, rings, score_on, px_mm, band)
        if (sq is not None and sq[1] >= MIN_SQUARE_SCORE and sq[0].support >= MIN_SQUARE_SUPPORT
                and run_on(score_on, sq[0], rings, band, px_mm) < SIDE_RUN_ON):
            fits.append(sq[0])
    return fits


# A square whose sides run on past its corners is a cell of a ruled table or form (red rules, a title's strokes), not
# a seal, whose border stops there: mean ink on the lines of its sides, RUN_ON_MM beyond each corner (outside the
# rings it touches), below SIDE_RUN_ON on all eight. A bank slip's red table frame beside its seal: 0.8 and more.
RUN_ON_MM = (1.5, 5.0)
SIDE_RUN_ON = 0.5


def run_on(weight: np.ndarray, sq: Fit, rings: tuple[Fit, ...], band: float, px_mm: float) -> float:
    """The largest mean ink on the eight extensions of a square's sides past its corners (see RUN_ON_MM)."""
    th = math.radians(sq.angle)
    ux, uy = math.cos(th), math.sin(th)  # along the square's first axis
    vx, vy = -uy, ux
    d = np.linspace(RUN_ON_MM[0] * px_mm, RUN_ON_MM[1] * px_mm, 8)
    a, inset = sq.a, 0.5 * band  # the border's middle line
    h, w = weight.shape
    best = 0.0
    for (px, py), (dx, dy) in (((ux, uy), (vx, vy)), ((vx, vy), (ux, uy))):
        for side in (-1.0, 1.0):  # the two sides square to (px, py)
            ox, oy = sq.cx + side * (a - inset) * px, sq.cy + side * (a - inset) * py
            for end in (-1.0, 1.0):  # past either corner, along the side
                x = ox + end * (a + d) * dx
                y = oy + end * (a + d) * dy
                keep = outside_all(x, y, rings, band)
                if keep.sum() < len(d) // 2:
                    continue
                xi, yi = np.rint(x[keep]).astype(int), np.rint(y[keep]).astype(int)
                ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                vals = np.where(ok, weight[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0.0)
                best = max(best, float(vals.mean()))
    return best


def _seal_ring(f: Fit, px_mm: float) -> bool:
    """An ellipse fit that may be a seal's ring (not a label or a line taken for a thin ellipse)."""
    return f.kind == "ellipse" and min(f.a, f.b) >= 0.5 * SQUARE_MM[0] * px_mm and max(f.a, f.b) <= 1.7 * min(f.a, f.b)


def _rest_pieces(region: "_Region", fits: list[Fit], px_mm: float, band: float) -> list[np.ndarray]:
    """The region's ink outside every fit (grown by ``band``), in pieces (1.2 mm apart at most) at least REST_MM
    long: arrays (n, 2) of work-image points."""
    yy, xx = np.nonzero(region.mask)
    keep = np.ones(len(xx), bool)
    for f in fits:
        if f.kind == "ellipse":
            keep &= outside_all(xx + region.x0, yy + region.y0, (f,), band)
        else:
            keep &= ~_inside(Fit(f.kind, f.cx, f.cy, f.a + band, f.b + band, f.angle, 0, 0), xx + region.x0,
                             yy + region.y0)
    if keep.sum() < (REST_MM * px_mm) ** 2 * 0.3:
        return []
    rest = np.zeros(region.mask.shape, np.uint8)
    rest[yy[keep], xx[keep]] = 1
    k = max(3, int(round(1.2 * px_mm)) | 1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(rest, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))))
    out = []
    for i in range(1, count):
        if max(stats[i][2], stats[i][3]) < REST_MM * px_mm:
            continue
        py, px = np.nonzero((labels == i) & (rest > 0))
        out.append(np.stack([px + region.x0, py + region.y0], axis=1).astype(np.float64))
    return out


def _square(region: "_Region", pts: np.ndarray, rings: tuple[Fit, ...], weight: np.ndarray, px_mm: float,
            band: float) -> tuple[Fit, float] | None:
    found = find_square(weight, pts, rings, band, SQUARE_MM[0] * px_mm, SQUARE_MM[1] * px_mm, min_share=0.4)
    if found is None:
        return None
    sq, score = found
    support = ring_support(region.mask, sq.scaled(1.0, -region.x0, -region.y0), band)
    return Fit(sq.kind, sq.cx, sq.cy, sq.a, sq.b, sq.angle, support, sq.fill), score


def _superseded(f: Fit, ring: Fit, weight: np.ndarray, band: float) -> bool:
    """An ellipse fitted round a joined group: its centre inside ``ring``, it is larger or elongated, and it sits on
    ink clearly worse than the ring."""
    if f.kind != "ellipse" or math.hypot(f.cx - ring.cx, f.cy - ring.cy) >= ring.a:
        return False
    score = ring_scores(weight, [f.cx], [f.cy], [f.a], [f.b], f.angle, band)[0]
    return bool(score < ring.support - 0.2)


def _inside(f: Fit, x, y):
    """Whether points lie inside a fit (an ellipse, or a rectangle)."""
    th = math.radians(f.angle)
    u, v = (x - f.cx) * math.cos(th) + (y - f.cy) * math.sin(th), -(x - f.cx) * math.sin(th) + (y - f.cy) * math.cos(th)
    if f.kind == "rect":
        return (np.abs(u) <= f.a) & (np.abs(v) <= f.b)
    return (u / max(f.a, 1e-6)) ** 2 + (v / max(f.b, 1e-6)) ** 2 <= 1.0


def _same(a: Candidate, b: Candidate) -> bool:
    """Two candidates for one seal: the centre of the smaller lies well inside the larger (a ring found again from a
    piece of it, or the text inside a seal taken for a small ring)."""
    small, big = sorted((a, b), key=lambda c: c.fit.a * c.fit.b)
    f = big.fit
    th = math.radians(f.angle)
    dx, dy = small.fit.cx - f.cx, small.fit.cy - f.cy
    u, v = dx * math.cos(th) + dy * math.sin(th), -dx * math.sin(th) + dy * math.cos(th)
    return (u / max(f.a, 1e-6)) ** 2 + (v / max(f.b, 1e-6)) ** 2 < 0.5


# Greyscale and fax pages: round seals of GREY_RING_MM radius (24-48 mm across) found as rings in the dark pixels
# whose ring score (see _on_ring) reaches GREY_RING_SCORE (seals on the generated grey and fax pages 0.40-0.93, print
# at most 0.39).
GREY_RING_MM = (12.0, 24.0)
# Larger rings (a 50-60 mm bank seal) are searched apart, at half the resolution, and kept only at a ring score of 0.7
# (the generated one: 0.97; print on the same page at most 0.27).
GREY_LARGE_RING_MM = (24.0, 30.0)
GREY_LARGE_RING_SCORE = 0.7
GREY_RING_SCORE = 0.4
# An oval near a ring scoring GREY_OVAL_FROM or more (an oval's end matches a circle only in part) replaces it when
# it scores GREY_OVAL_GAIN better than the ring and than GREY_RING_SCORE. (0.25: the end of a faint 40x30 mm invoice
# oval on a fax, whose own curvature is under the 12 mm the search starts at, matched a circle at 0.299.)
GREY_OVAL_FROM = 0.25
GREY_OVAL_GAIN = 0.05
# A ring or oval below those scores is still a seal when GREY_ARC_RUN of its outline is inked without a break
# (geometry.longest_arc) and it scores GREY_ARC_SCORE: a partial impression on a fax, one side lost to the
# threshold (the generated fax invoice ovals: scores 0.38-0.39, unbroken arcs 0.57-0.58 of the outline). Circles and
# ovals through print cross ink in short pieces: on the 58 grey and fax pages of the generated sets (dev and held out)
# and the 76 of the scenario fixtures, no candidate away from a seal has an unbroken arc over 0.34 of its outline
# (scores up to 0.50).
GREY_ARC_RUN = 0.45
GREY_ARC_SCORE = 0.33
# The middle of a seal (within 0.55 of its radius: the title and star) is mostly paper: at most 0.46 of it dark on
# the generated grey and fax seals (0.39 for rings and ovals); a ring traced in a QR code's modules 0.58.
GREY_MAX_CENTRE_INK = 0.5
# Cross-page slices on pages without colour: the edge search of colour pages (edge_slices) on the dark pixels, in a
# band of GREY_SLICE_BAND_MM (black print ending 24 mm short of the edge lay in the 30 mm band of colour pages, joined
# the slice's pieces and spoiled its circle fit).
GREY_EDGE_SLICES = True
GREY_SLICE_BAND_MM = 22.0
# 40 Hough candidates after the first 40 are looked at too, kept as rings at a score of 0.6 (a bank seal on a slip
# dense with print ranked late; the best circle through print rises with the number tried: 0.404 among 80).
GREY_MORE_RINGS = (40, 0.6)


def grey_rings(image: np.ndarray, page: int, up: float, px_mm: float, band: float,
               cfg: SealConfig) -> list[Candidate]:
    """Seals on a page without colour (a greyscale scan, a binarised fax): seal ink and print are both dark, so a
    round seal is found by its ring alone (:func:`find_rings` on every pixel darker than the paper, and
    :func:`large_rings`); an oval near a ring (one of its ends or its middle matched a circle) replaces it when it
    sits better (:func:`oval_near`); a ring whose middle is mostly dark is dropped (:func:`centre_ink`). Square seals
    by their border (:func:`grey_squares`), cross-page slices along the page edges (:func:`edge_slices`) or from a
    ring cut short (:func:`_grey_slice`). Reported at confidence <= ``grey_max_confidence``."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    k = max(3, int(round(4 * px_mm)) | 1)  # the local paper: lighter than any stroke within 4 mm (a scan's shading)
    paper = cv2.blur(cv2.dilate(grey, np.ones((k, k), np.uint8)), (k, k)).astype(np.float32)
    ink = (grey < 0.85 * paper).astype(np.float32)
    H, W = grey.shape
    out = []
    rings = find_rings(ink, GREY_RING_MM[0] * px_mm, GREY_RING_MM[1] * px_mm, band, GREY_OVAL_FROM,
                       more=GREY_MORE_RINGS)
    half = half_size(ink)
    large = large_rings(ink, px_mm, band, rings, half)
    # a ring centred inside a large ring scoring better is a piece of it (its text, star, or one side of its ring)
    rings = [f for f in rings if not any(g.support > f.support and _inside(g, f.cx, f.cy) for g in large)] + large
    squares = grey_squares(ink, px_mm, band, tuple(f for f in rings if f.support >= GREY_RING_SCORE), half)
    for sq in squares:
        conf = min(cfg.grey_max_confidence, 0.25 + 0.4 * sq.fill)
        out.append(_grey_candidate(sq.scaled(up), (H * up, W * up), conf, page, cfg))
    for f in rings:
        if any(_explained_by_square(f, sq) for sq in squares):
            continue  # the square's border taken for a small ring
        oval, score = oval_near(ink, f, band)
        small = max(oval.a, oval.b) <= 0.5 * cfg.max_size_mm * px_mm
        if score >= max(f.support + GREY_OVAL_GAIN, GREY_RING_SCORE + GREY_OVAL_GAIN) and small:
            f = oval  # one end of an oval seal, or its middle
        elif f.support < GREY_RING_SCORE:
            f = oval if score > f.support and small else f
            if f.support < GREY_ARC_SCORE or longest_arc(ink, f, band) < GREY_ARC_RUN:
                continue
        if centre_ink(ink, f) > GREY_MAX_CENTRE_INK:
            continue  # a ring traced through a QR code or a filled block
        conf = min(cfg.grey_max_confidence, 0.25 + 0.4 * f.support)
        cut = _grey_slice(ink, f, band, px_mm)
        if cut is not None:  # a cross-page slice: the ring's ink stops at a line parallel to the page edge
            edge, (x0, y0, x1, y1) = cut
            x0, y0, x1, y1 = x0 * up, y0 * up, min(x1 * up, W * up - 1), min(y1 * up, H * up - 1)
            fit = Fit("rect", (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, 1.0, 1.0)
            bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                        polygon=((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
            out.append(Candidate(page=page, shape=SealShape.other, fit=fit, bbox=bbox, confidence=round(conf, 3),
                                 colour=False, cross_page=True, edge=edge))
            continue
        out.append(_grey_candidate(f.scaled(up), (H * up, W * up), conf, page, cfg))
    if GREY_EDGE_SLICES:
        slices = []
        for sl in edge_slices(ink, px_mm, band, cfg, GREY_SLICE_BAND_MM):
            c = _slice_candidate(sl, page, up, (int(round(H * up)), int(round(W * up))))
            slices.append(dataclasses.replace(c, colour=False, confidence=min(c.confidence, cfg.grey_max_confidence)))
        out = [c for c in out if not any(_within(c, s) for s in slices)] + slices
    return out


# Square seals on pages without colour (a personal name seal, a finance square): a border of GREY_SQUARE_MM sides,
# found by box sums (border less half the ink just outside, at half the work resolution, upright) and moved to where
# it sits best (geometry.refine_square, any angle). Kept when its border score (rect_score's measure) reaches
# GREY_SQUARE_SCORE, GREY_SQUARE_INKED of its outline and GREY_SQUARE_SIDE of each side inked (a table cell's thin
# rules or a block of text is inked in part; a QR code's edge is broken), and at least GREY_SQUARE_FILL of the inside
# inked (its characters: an empty printed box is not a seal). Generated name seals: score 0.93-1.0, outline and
# sides inked 1.0, inside 0.34; the best print found: score 0.75 with an empty inside (a form's box), 0.63 at 0.2.
# The box search looks at sides GREY_SQUARE_STEP half-resolution pixels (2 mm) apart and refines the
# GREY_SQUARE_CANDIDATES best local maxima scoring GREY_SQUARE_START (the generated and scenario name and finance
# squares that are kept start at 0.59-0.80; 21 of 226 starts on the grey and fax pages reach 0.55).
GREY_SQUARE_MM = (12.0, 28.0)
GREY_SQUARE_START = 0.55
GREY_SQUARE_STEP = 4
GREY_SQUARE_CANDIDATES = 8
GREY_SQUARE_SCORE = 0.85
GREY_SQUARE_INKED = 0.95
GREY_SQUARE_SIDE = 0.9
GREY_SQUARE_FILL = 0.2


def square_starts(half: np.ndarray, px_mm: float, lo_mm: float, hi_mm: float, min_score: float,
                  count: int) -> list[Fit]:
    """Upright squares of lo_mm to hi_mm sides whose border (1 mm wide, its outer edge the square's) is inked with
    little ink just outside it (the next 1 mm), searched everywhere on ``half`` (an ink map at half the resolution of
    ``px_mm``) by box sums (one box filter per side): the ``count`` best local maxima scoring ``min_score`` or more,
    in full-resolution pixels, ``fill`` holding the score."""
    pm = px_mm / 2
    t = max(1, int(round(pm)))  # 1 mm
    sides = list(range(int(lo_mm * pm) | 1, int(hi_mm * pm) + 2, GREY_SQUARE_STEP))
    box = {s: cv2.boxFilter(half, -1, (s, s), normalize=False, borderType=cv2.BORDER_CONSTANT)
           for s in sorted({s + d for s in sides for d in (-2 * t, 0, 2 * t)}) if s > 0}
    best = np.full(half.shape, -1.0, np.float32)
    side = np.zeros(half.shape, np.int16)
    for s in sides:
        wa = 1.0 / float(s * s - max(0, s - 2 * t) ** 2)  # the border's area
        wb = 0.5 / float((s + 2 * t) ** 2 - s * s)  # half, over the area just outside
        score = cv2.addWeighted(box[s], wa + wb, box[s + 2 * t], -wb, 0.0)
        if s - 2 * t in box:
            score = cv2.addWeighted(score, 1.0, box[s - 2 * t], -wa, 0.0)
        better = score > best
        np.copyto(best, score, where=better)
        side[better] = s
    k = max(3, int(round(4 * pm)) | 1)
    ys, xs = np.nonzero((best >= cv2.dilate(best, np.ones((k, k), np.uint8))) & (best >= min_score))
    order = np.argsort(-best[ys, xs], kind="stable")[:count]
    return [Fit("rect", 2.0 * xs[j] + 0.5, 2.0 * ys[j] + 0.5, float(side[ys[j], xs[j]]), float(side[ys[j], xs[j]]),
                0.0, 1.0, float(best[ys[j], xs[j]])) for j in order]


def border_inked(ink: np.ndarray, f: Fit, band: float, n: int = 96) -> tuple[float, float]:
    """Share of a square's outline whose border (``band`` wide inside it) is inked (mean >= 0.5 across it), overall
    and on its least inked side."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False) + math.pi / n
    h, w = ink.shape
    acc = np.zeros(n)
    for d in (0.25 * band, 0.5 * band, 0.75 * band):
        pts = _rect_points(f.cx, f.cy, max(1.0, f.a - d), max(1.0, f.b - d), f.angle, t)
        xi, yi = np.rint(pts[:, 0]).astype(np.int64), np.rint(pts[:, 1]).astype(np.int64)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        acc += np.where(ok, ink[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0.0)
    inked = acc / 3 >= 0.5
    side = ((t + math.pi / 4) // (math.pi / 2)).astype(int) % 4  # right, bottom, left, top
    return float(inked.mean()), float(min(inked[side == k].mean() for k in range(4)))


def inside_ink(ink: np.ndarray, f: Fit, margin: float) -> float:
    """Mean ink inside a rectangle fit shrunk by ``margin`` pixels (its border left out)."""
    poly = _rect_points(f.cx, f.cy, max(1.0, f.a - margin), max(1.0, f.b - margin), f.angle,
                        np.linspace(0, 2 * math.pi, 16, endpoint=False) + math.pi / 16)
    m = np.zeros(ink.shape, np.uint8)
    cv2.fillPoly(m, [np.rint(poly).astype(np.int32)], 1)
    return float(ink[m > 0].mean()) if m.any() else 0.0


def grey_squares(ink: np.ndarray, px_mm: float, band: float, rings: tuple[Fit, ...],
                 half: np.ndarray | None = None) -> list[Fit]:
    """Square seals on a page without colour (:func:`square_starts`, :func:`refine_square`, the GREY_SQUARE_*
    tests). The border's stretches inside a ring found on the page (one it overlaps) are not scored, unless the
    ring's centre lies inside the square (the square's own border taken for a ring). Returns rect fits, work
    pixels, ``fill`` holding the border score. ``half``: ``ink`` at half its resolution (:func:`half_size`)."""
    lo, hi = GREY_SQUARE_MM[0] * px_mm, GREY_SQUARE_MM[1] * px_mm
    out: list[Fit] = []
    half = half_size(ink) if half is None else half
    for start in square_starts(half, px_mm, *GREY_SQUARE_MM, GREY_SQUARE_START, GREY_SQUARE_CANDIDATES):
        if any(_inside(Fit("rect", q.cx, q.cy, q.a, q.b, q.angle, 0, 0), start.cx, start.cy) for q in out):
            continue
        others = tuple(r for r in rings if abs(r.cx - start.cx) > start.a or abs(r.cy - start.cy) > start.a)
        s0, share = border_scores(ink, [start.cx], [start.cy], [start.a], 0.0, band, others)
        if share[0] < 0.6:
            continue
        sq, score = refine_square(ink, Fit("rect", start.cx, start.cy, start.a, start.a, 0.0, float(share[0]), 1.0),
                                  float(s0[0]), band, others, lo, hi, min_share=0.6)
        if score < GREY_SQUARE_SCORE:
            continue
        inked, side = border_inked(ink, sq, band)
        if inked < GREY_SQUARE_INKED or side < GREY_SQUARE_SIDE or inside_ink(ink, sq, 1.5 * band) < GREY_SQUARE_FILL:
            continue
        if any(_inside(Fit("rect", q.cx, q.cy, q.a, q.b, q.angle, 0, 0), sq.cx, sq.cy) for q in out):
            continue
        out.append(Fit("rect", sq.cx, sq.cy, sq.a, sq.b, sq.angle, sq.support, score))
    return out


def _explained_by_square(ring: Fit, sq: Fit) -> bool:
    """A ring found on a square seal: its centre inside the square, no larger than the square's corners reach."""
    return bool(_inside(sq, ring.cx, ring.cy)) and max(ring.a, ring.b) <= 1.5 * sq.a


def half_size(ink: np.ndarray) -> np.ndarray:
    """An ink map at half its resolution (the mean of each 2x2 block)."""
    return cv2.resize(ink, (max(1, ink.shape[1] // 2), max(1, ink.shape[0] // 2)), interpolation=cv2.INTER_AREA)


def large_rings(ink: np.ndarray, px_mm: float, band: float, found: list[Fit],
                half: np.ndarray | None = None) -> list[Fit]:
    """Rings of GREY_LARGE_RING_MM radius scoring GREY_LARGE_RING_SCORE, searched at half the resolution of ``ink``
    (a separate Hough search: widening the main one reorders its candidates) and moved to their best place on
    ``ink``; none whose centre lies within a ring already ``found`` that scores as well (a 58 mm bank seal on a
    ruled slip held a 27 mm circle through its text at 0.41 and was lost to it; the large ring scores 0.97).
    ``half``: ``ink`` at half its resolution."""
    half = half_size(ink) if half is None else half
    out = []
    for f in find_rings(half, GREY_LARGE_RING_MM[0] * px_mm / 2, GREY_LARGE_RING_MM[1] * px_mm / 2,
                        max(2.0, band / 2), 0.8 * GREY_LARGE_RING_SCORE, max_candidates=8):
        (cx, cy, r), score = best_circle(ink, 2 * f.cx + 0.5, 2 * f.cy + 0.5, 2 * f.a, band)
        if score < GREY_LARGE_RING_SCORE or r <= GREY_LARGE_RING_MM[0] * px_mm * 0.95:
            continue
        if any(math.hypot(cx - g.cx, cy - g.cy) < max(g.a, r) and g.support >= score for g in found + out):
            continue
        out.append(Fit("ellipse", cx, cy, r, r, 0.0, score, 0.0))
    return out


def centre_ink(ink: np.ndarray, f: Fit, share: float = 0.55) -> float:
    """Mean ink within ``share`` of an ellipse fit's axes round its centre."""
    m = np.zeros(ink.shape, np.uint8)
    axes = (max(1, int(round(share * f.a))), max(1, int(round(share * f.b))))
    cv2.ellipse(m, (int(round(f.cx)), int(round(f.cy))), axes, f.angle, 0, 360, 1, -1)
    return float(ink[m > 0].mean()) if m.any() else 0.0


def _grey_candidate(fit: Fit, page_shape: tuple[float, float], conf: float, page: int, cfg: SealConfig) -> Candidate:
    """A seal found on a page without colour (``fit`` in page pixels): its outline clipped to the page as its box."""
    H, W = page_shape
    poly = fit.outline(32)
    poly[:, 0] = np.clip(poly[:, 0], 0, W - 1)
    poly[:, 1] = np.clip(poly[:, 1], 0, H - 1)
    (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
    bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                polygon=tuple((float(x), float(y)) for x, y in poly))
    return Candidate(page=page, shape=_shape(fit, cfg), fit=fit, bbox=bbox, confidence=round(conf, 3), colour=False)


def _grey_slice(ink: np.ndarray, f: Fit, band: float, px_mm: float) -> tuple[str, tuple[float, ...]] | None:
    """A ring found on a page without colour that is a cross-page slice: a circle within SLICE_GAP_MM of a page
    edge (or past it) whose ring is inked on the edge's side and bare on the other (less than 1 - SLICE_ARC_INKED of
    that half inked; the ink stops where the next page covered it). Returns (edge, box of the inked part of the
    circle, work-image pixels) or None."""
    if f.kind != "ellipse" or abs(f.a - f.b) > 0.05 * f.a:
        return None
    H, W = ink.shape
    gap = SLICE_GAP_MM * px_mm
    dist = {"right": W - (f.cx + f.a), "left": f.cx - f.a, "bottom": H - (f.cy + f.a), "top": f.cy - f.a}
    edge = min(dist, key=dist.get)
    if dist[edge] > gap:
        return None
    pts, score = arc_scores(ink, f, band)
    axis = 0 if edge in ("right", "left") else 1
    centre = f.cx if axis == 0 else f.cy
    near = (pts[:, axis] - centre) * (1.0 if edge in ("right", "bottom") else -1.0) > 0.1 * f.a
    far = (pts[:, axis] - centre) * (1.0 if edge in ("right", "bottom") else -1.0) < -0.1 * f.a
    on_page = (pts[:, 0] >= 0) & (pts[:, 0] < W) & (pts[:, 1] >= 0) & (pts[:, 1] < H)
    inked = score >= 0.3
    cut_by_page = dist[edge] < -0.1 * f.a  # the circle runs off the page: only its part on the page is there
    if not cut_by_page:
        if not far.any() or not near.any() or inked[near].mean() < SLICE_ARC_INKED \
                or inked[far].mean() > 1 - SLICE_ARC_INKED:
            return None
    keep = inked & on_page
    if keep.sum() < 6:
        return None
    x0, y0 = pts[keep].min(axis=0)
    x1, y1 = pts[keep].max(axis=0)
    # the box runs from the ink farthest from the edge to the circle's side at (or the page's) edge
    if edge == "right":
        x1 = min(W - 1, f.cx + f.a)
    elif edge == "left":
        x0 = max(0, f.cx - f.a)
    elif edge == "bottom":
        y1 = min(H - 1, f.cy + f.a)
    else:
        y0 = max(0, f.cy - f.a)
    return edge, (float(max(0, x0)), float(max(0, y0)), float(x1), float(y1))


@dataclass(frozen=True)
class _Region:
    mask: np.ndarray  # bool, the region's ink in its box
    x0: int
    y0: int
    page_shape: tuple[int, int]  # (h, w) of the work image


# A straight red line up to BOX_MM long closed into a box at both ends is a square seal's border, not a rule.
BOX_MM = 40.0


def ink_regions(mask: np.ndarray, px_mm: float, cfg: SealConfig) -> list[_Region]:
    """Groups of ink pixels large enough to be (part of) a seal."""
    m = mask.astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    m = remove_rules(m, int(round(cfg.rule_mm * px_mm)), BOX_MM * px_mm)
    k = max(3, int(round(1.2 * px_mm)) | 1)
    grouped = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped)
    H, W = m.shape
    boxes = [[int(v) for v in stats[i][:4]] + [i] for i in range(1, count)]
    boxes.sort(key=lambda b: -b[2] * b[3])
    groups: list[tuple[list[int], list[int]]] = []  # (box x, y, w, h; member labels)
    speck = 1.5 * px_mm
    for x, y, bw, bh, i in boxes:
        if max(bw, bh) < speck:
            continue
        for g, members in groups:
            gx, gy, gw, gh = g
            ix = max(0, min(x + bw, gx + gw) - max(x, gx))
            iy = max(0, min(y + bh, gy + gh) - max(y, gy))
            if ix * iy >= 0.7 * bw * bh:  # (mostly) inside a bigger region: its text or star
                members.append(i)
                break
        else:
            groups.append(([x, y, bw, bh], [i]))
    groups = [g for g in groups if max(g[0][2], g[0][3]) >= 3 * px_mm]  # text specks cannot make a seal
    groups = _merge_overlapping(groups, cfg.max_size_mm * px_mm, cfg.piece_gap_mm * px_mm,
                                cfg.max_pieces_mm * px_mm)
    out = []
    min_side = cfg.min_slice_mm * px_mm
    min_len = min(cfg.min_size_mm, cfg.min_slice_len_mm) * px_mm
    for (x, y, bw, bh), members in groups:
        if max(bw, bh) < min_len or min(bw, bh) < min_side:
            continue
        sub = (m[y:y + bh, x:x + bw] > 0) & np.isin(labels[y:y + bh, x:x + bw], members)
        if sub.mean() < cfg.min_ink_fill:
            continue
        out.append(_Region(sub, int(x), int(y), (H, W)))
    return out


def _merge_overlapping(groups, max_side: float, gap: float = 0.0, max_pieces: float = 0.0):
    """Join groups whose boxes overlap by a third of the smaller when the union still fits one seal, or lie within
    ``gap`` of each other when the union is at most ``max_pieces`` wide and tall: the pieces of a ring broken by
    print crossing it (ruled lines removed) or by a faint side. Passes over the pairs (sorted by x) until stable."""

    def joinable(a, b) -> bool:
        (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
        ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
        iy = max(0, min(ay + ah, by + bh) - max(ay, by))
        side = max(max(ax + aw, bx + bw) - min(ax, bx), max(ay + ah, by + bh) - min(ay, by))
        if ix * iy >= min(aw * ah, bw * bh) / 3 and side <= max_side:
            return True
        apart = max(max(ax, bx) - min(ax + aw, bx + bw), max(ay, by) - min(ay + ah, by + bh))
        return apart <= gap and side <= max_pieces

    groups = [(list(b), list(m)) for b, m in groups]
    changed = True
    while changed:
        changed = False
        groups.sort(key=lambda g: g[0][0])
        out: list[tuple[list[int], list[int]]] = []
        for box, members in groups:
            for k in range(len(out) - 1, -1, -1):
                ob = out[k][0]
                if ob[0] + ob[2] + gap + max_side < box[0]:
                    continue
                if joinable(ob, box):
                    x0, y0 = min(ob[0], box[0]), min(ob[1], box[1])
                    x1, y1 = max(ob[0] + ob[2], box[0] + box[2]), max(ob[1] + ob[3], box[1] + box[3])
                    out[k] = ([x0, y0, x1 - x0, y1 - y0], out[k][1] + members)
                    changed = True
                    break
            else:
                out.append((box, members))
        groups = out
    return groups


def remove_rules(mask: np.ndarray, length: int, max_box: float | None = None) -> np.ndarray:
    """The mask without straight rules of at least ``length`` pixels (form frames, underlines, slightly slanted in a
    scan), which would join a seal to the print around it. A seal's ring is curved, so it stays; so does the border of
    a square seal (a side at most ``max_box`` long with ink turning the same way at both ends, e.g. a 22 mm finance
    seal on a voucher whose declared dpi is too low, so it looks longer than ``length``)."""
    if length < 3:
        return mask
    lines = cv2.HoughLinesP(mask, 1, np.pi / 360, threshold=max(10, int(0.8 * length)), minLineLength=length,
                            maxLineGap=2)
    if lines is None:
        return mask
    rules = np.zeros_like(mask)
    for x0, y0, x1, y1 in lines.reshape(-1, 4):
        if max_box is not None and _box_side(mask, (x0, y0, x1, y1), max_box):
            continue
        cv2.line(rules, (int(x0), int(y0)), (int(x1), int(y1)), 1, 3)
    return mask & (1 - rules)


def _box_side(mask: np.ndarray, seg: tuple[int, int, int, int], max_box: float) -> bool:
    """Whether a straight segment is a side of a box: at most ``max_box`` long, and from both of its ends ink runs
    the same way, square to it, for at least 0.7 of its length."""
    x0, y0, x1, y1 = (float(v) for v in seg)
    L = math.hypot(x1 - x0, y1 - y0)
    if L > max_box or L < 1:
        return False
    nx, ny = -(y1 - y0) / L, (x1 - x0) / L  # unit normal
    h, w = mask.shape
    d = np.arange(2, int(0.7 * L))
    for sign in (1.0, -1.0):
        ok = True
        for ex, ey in ((x0, y0), (x1, y1)):
            run = 0.0
            for off in (-2, 0, 2):  # the end may be a pixel or two off the perpendicular side
                tx, ty = (x1 - x0) / L, (y1 - y0) / L
                px = np.round(ex + off * tx + sign * nx * d).astype(int)
                py = np.round(ey + off * ty + sign * ny * d).astype(int)
                inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
                hit = np.zeros(len(d), bool)
                hit[inside] = mask[py[inside], px[inside]] > 0
                run = max(run, float(hit.mean()) if len(d) else 0.0)
            ok &= run >= 0.8
        if ok:
            return True
    return False


# Ring templates correlated round a poorly fitted group (a seal behind other red print) start at TEMPLATE_RING_MM
# across, not cfg.min_ring_mm (20): on an e-invoice captured at about 100 dpi and read at an assumed 200 dpi, the
# supervision oval behind the red title is 14 x 10 mm. The larger ring covered nearly as well still wins, and the
# ring found must pass the size and ring tests of any fit; one smaller than the cfg.min_ring_mm templates reach
# (axes under cfg.min_ring_mm and 0.8 of it) must be inked along
# WHOLE_SUPPORT of its outline (the oval behind the title: 0.92; rings traced through a bank slip's red text and
# stamps on the held-out photos: 0.64-0.74).
TEMPLATE_RING_MM = 10.0


def fit_region(region: _Region, px_mm: float, cfg: SealConfig,
               page_mask: np.ndarray | None = None) -> list[tuple[Fit, np.ndarray]]:
    """One or more fitted outlines (work-image pixels) for a region, each with the region mask it rests on."""
    band = max(2.0, 1.2 * px_mm)
    h, w = region.mask.shape
    edge = _edge_of((region.x0, region.y0, region.x0 + w, region.y0 + h), region.page_shape, cfg.edge_mm * px_mm)
    if edge is not None:
        across, along = (w, h) if edge in ("left", "right") else (h, w)
        if (across < 0.6 * along and along >= cfg.min_slice_len_mm * px_mm and across >= cfg.min_slice_mm * px_mm
                and region.mask.mean() >= 0.08):  # a slice of a cross-page seal
            return [(Fit("rect", region.x0 + w / 2, region.y0 + h / 2, w / 2, h / 2, 0.0, 1.0, 1.0), region.mask)]
    fit = fit_shape(region.mask, cfg.square_fill, band)
    if fit is None:
        return []
    max_side = cfg.max_size_mm * px_mm
    too_big = max(h, w) > max_side
    poor = fit.kind == "ellipse" and fit.support < cfg.ring_support_min and not _at_edge(region, 2)
    elongated = fit.kind == "ellipse" and max(fit.a, fit.b) > cfg.split_aspect * min(fit.a, fit.b)
    if (too_big or elongated) and page_mask is not None:  # several round seals overlapping? (colour pages)
        circles = split_circles(region.mask, 0.5 * cfg.min_ring_mm * px_mm, 0.5 * cfg.max_size_mm * px_mm, band,
                                max(0.8, fit.support + 0.05))
        if circles:
            return [(c.scaled(1.0, region.x0, region.y0), _disc_mask(region.mask, c)) for c in circles]
    if (too_big or poor) and page_mask is not None:
        # look again in a window of the page around the region: other red print may have cut the ring apart
        H, W = page_mask.shape
        grow = int(max(0.3 * max(h, w), 6 * px_mm))
        wx0, wy0 = max(0, region.x0 - grow), max(0, region.y0 - grow)
        win = page_mask[wy0:min(H, region.y0 + h + grow), wx0:min(W, region.x0 + w + grow)]
        f = 2  # matched at half resolution
        small = cv2.resize(win.astype(np.uint8), (max(1, win.shape[1] // f), max(1, win.shape[0] // f)),
                           interpolation=cv2.INTER_AREA) > 0
        alt = match_ring(small, 0.5 * min(cfg.min_ring_mm, TEMPLATE_RING_MM) * px_mm / f,
                         0.5 * cfg.max_size_mm * px_mm / f, band / f)
        if alt is not None:
            alt = Fit(alt.kind, alt.cx * f, alt.cy * f, alt.a * f, alt.b * f, alt.angle, alt.support, alt.fill)
            alt = Fit(alt.kind, alt.cx, alt.cy, alt.a, alt.b, alt.angle, ring_support(win, alt, band), 0.0)
            smallest = 0.99 * cfg.min_ring_mm * px_mm  # what the templates of cfg.min_ring_mm reach down to
            if (2 * max(alt.a, alt.b) < smallest or 2 * min(alt.a, alt.b) < 0.8 * smallest) \
                    and alt.support < WHOLE_SUPPORT:
                alt = None  # a smaller ring must be whole (see TEMPLATE_RING_MM)
        if alt is not None and alt.support > fit.support:
            return [(alt.scaled(1.0, wx0, wy0), win)]
    return [(fit.scaled(1.0, region.x0, region.y0), region.mask)]


def _disc_mask(mask: np.ndarray, c: Fit) -> np.ndarray:
    disc = np.zeros(mask.shape, np.uint8)
    cv2.circle(disc, (round(c.cx), round(c.cy)), round(c.a * 1.02), 1, -1)
    return mask & (disc > 0)


def _at_edge(region: _Region, margin: int) -> bool:
    h, w = region.mask.shape
    H, W = region.page_shape
    return region.x0 <= margin or region.y0 <= margin or region.x0 + w >= W - margin or region.y0 + h >= H - margin


def _edge_of(box: tuple[float, float, float, float], shape: tuple[int, int], margin: float) -> str | None:
    x0, y0, x1, y1 = box
    H, W = shape
    if x1 >= W - margin:
        return "right"
    if x0 <= margin:
        return "left"
    if y0 <= margin:
        return "top"
    if y1 >= H - margin:
        return "bottom"
    return None


def _candidate(fit: Fit, page: int, up: float, page_shape: tuple[int, int], px_mm: float,
               cfg: SealConfig, min_mm: float | None = None) -> Candidate | None:
    """The candidate for a fit (work-image pixels), or None when it is too small (under ``min_mm``, by default
    ``cfg.min_size_mm``), too large or too poorly inked for a seal."""
    H, W = page_shape
    min_mm = cfg.min_size_mm if min_mm is None else min_mm
    f = fit.scaled(up)
    poly = f.outline(32)
    poly[:, 0] = np.clip(poly[:, 0], 0, W - 1)
    poly[:, 1] = np.clip(poly[:, 1], 0, H - 1)
    x0, y0 = poly.min(axis=0)
    x1, y1 = poly.max(axis=0)
    edge = _edge_of((x0, y0, x1, y1), (H, W), cfg.edge_mm * px_mm * up)
    bw, bh = (x1 - x0) / (px_mm * up), (y1 - y0) / (px_mm * up)  # mm
    cross = False
    if edge is not None:
        across, along = (bw, bh) if edge in ("left", "right") else (bh, bw)
        cross = bool(across < 0.6 * along and along >= cfg.min_slice_len_mm)
    if not cross and min(bw, bh) < min_mm:
        return None
    if not cross and max(bw, bh) > cfg.max_size_mm * 1.1:
        return None
    if not cross and f.support < cfg.min_support:
        return None
    shape = _shape(f, cfg) if not cross else SealShape.other
    conf = 0.5 + 0.45 * min(1.0, f.support / 0.8)
    if cross:
        conf = min(conf, 0.7)
    bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                polygon=tuple((float(x), float(y)) for x, y in poly))
    return Candidate(page=page, shape=shape, fit=f, bbox=bbox, confidence=round(float(conf), 3), colour=True,
                     cross_page=cross, edge=edge if cross else None)


def _shape(f: Fit, cfg: SealConfig) -> SealShape:
    if f.kind == "rect":
        return SealShape.square if max(f.a, f.b) <= 1.35 * min(f.a, f.b) else SealShape.other
    ratio = max(f.a, f.b) / max(1e-6, min(f.a, f.b))
    return SealShape.round if ratio < cfg.oval_aspect else SealShape.oval


# Cross-page slices (骑缝章): a round seal stamped across the edges of stacked pages leaves on each page a strip of
# it cut straight where the next page covered it: a cap of the ring (its first and last pages), or a band through its
# middle whose arcs, star and text lie in separate pieces. The strip lies within SLICE_BAND_MM of the edge, its ink
# reaching within SLICE_GAP_MM of it (the last cap can end short of the edge: the paper under the seal's margin);
# pieces up to SLICE_JOIN_MM apart along the edge join. Its outer edge, the extreme ink of every line square to the
# page edge, lies on a circle of SLICE_RADIUS_MM radius, at most SLICE_MAX_ACROSS x the radius of it visible across;
# the circle's arcs within the strip sit on ink (their ring score, see _on_ring, at least SLICE_ARC_SCORE on average
# and SLICE_ARC_INKED of their length at 0.3 or more) and SLICE_ARC_MM of them at least lie on the strip.
SLICE_BAND_MM = 30.0
SLICE_INK = 0.25
SLICE_BEYOND_INK = 0.4
SLICE_GAP_MM = 10.0
SLICE_JOIN_MM = 7.0
# A cluster that is no slice alone is tried again joined with the next one along the edge, up to SLICE_JOIN_FAR_MM
# away (a middle strip of a 40 mm seal: its star ended 12 mm before the ring's bottom arc, on the held-out scan).
SLICE_JOIN_FAR_MM = 15.0
SLICE_RADIUS_MM = (12.0, 25.0)
SLICE_MAX_ACROSS = 1.25
SLICE_ARC_SCORE = 0.45
SLICE_FIT_KEEP = 0.75
SLICE_ARC_INKED = 0.7
SLICE_ARC_MM = 12.0


@dataclass(frozen=True)
class _Slice:
    edge: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of its ink, work-image pixels
    circle: Fit  # the seal's circle, work-image pixels
    score: float  # mean ring score along its arcs on the strip


def _edge_view(a: np.ndarray, edge: str, depth: int) -> np.ndarray:
    """The band of ``a`` along one page edge, turned so that columns run across it from the edge inward and rows
    along it."""
    if edge == "right":
        return a[:, a.shape[1] - depth:][:, ::-1]
    if edge == "left":
        return a[:, :depth]
    if edge == "top":
        return a[:depth, :].T
    return a[a.shape[0] - depth:, :][::-1].T


def _from_view(x: np.ndarray, y: np.ndarray, edge: str, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Page coordinates of points (x across from the edge, y along it) of :func:`_edge_view`."""
    H, W = shape
    if edge == "right":
        return W - 1 - x, y
    if edge == "left":
        return x, y
    if edge == "top":
        return y, x
    return y, H - 1 - x


def edge_slices(weight: np.ndarray, px_mm: float, band: float, cfg: SealConfig,
                depth_mm: float = SLICE_BAND_MM) -> list[_Slice]:
    """Slices of cross-page seals along the page edges (see SLICE_BAND_MM): ink pieces in a band along each edge,
    joined along it, kept when their outer edge lies on a seal's circle whose arcs on the strip are inked."""
    H, W = weight.shape
    depth = int(depth_mm * px_mm)
    if min(H, W) < 2 * depth:
        return []
    deep = min(min(H, W), depth + int(2 * SLICE_RADIUS_MM[1] * px_mm))
    out: list[_Slice] = []
    k = max(3, int(round(1.2 * px_mm)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    for edge in ("right", "left", "top", "bottom"):
        wv = _edge_view(weight, edge, deep)
        m = np.ascontiguousarray(wv[:, :depth] >= SLICE_INK).astype(np.uint8)
        if m.sum() < (cfg.min_slice_len_mm * px_mm) * 2:
            continue
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        m = remove_rules(m, int(round(cfg.rule_mm * px_mm)), BOX_MM * px_mm)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(m, kernel))
        comps = sorted((int(stats[i][1]), int(stats[i][1] + stats[i][3]), i) for i in range(1, count)
                       if max(stats[i][2], stats[i][3]) >= 1.5 * px_mm)
        clusters: list[list[int]] = []  # y0, y1, labels...
        for y0, y1, i in comps:
            if clusters and y0 <= clusters[-1][1] + SLICE_JOIN_MM * px_mm and \
                    max(y1, clusters[-1][1]) - clusters[-1][0] <= 2 * SLICE_RADIUS_MM[1] * px_mm:
                clusters[-1][1] = max(clusters[-1][1], y1)
                clusters[-1].append(i)
            else:
                clusters.append([y0, y1, i])
        k = 0
        while k < len(clusters):
            c = clusters[k]
            s = _slice_of(m, labels, c[2:], wv, edge, (H, W), depth, px_mm, band, cfg)
            nxt = clusters[k + 1] if k + 1 < len(clusters) else None
            if (s is None and nxt is not None and nxt[0] - c[1] <= SLICE_JOIN_FAR_MM * px_mm
                    and nxt[1] - c[0] <= 2 * SLICE_RADIUS_MM[1] * px_mm):
                # the middle strip's pieces further apart (a star, then a bare stretch, then the ring's arc)
                s = _slice_of(m, labels, c[2:] + nxt[2:], wv, edge, (H, W), depth, px_mm, band, cfg)
                k += s is not None
            if s is not None:
                out.append(s)
            k += 1
    return out


def _slice_of(m: np.ndarray, labels: np.ndarray, members: list[int], wv: np.ndarray, edge: str,
              shape: tuple[int, int], depth: int, px_mm: float, band: float, cfg: SealConfig) -> _Slice | None:
    """One cluster of ink pieces along an edge (in :func:`_edge_view` coordinates) as a cross-page slice, or None."""
    yy, xx = np.nonzero((m > 0) & np.isin(labels, members))
    if len(xx) < 20 or xx.min() > SLICE_GAP_MM * px_mm or yy.max() - yy.min() < cfg.min_slice_len_mm * px_mm:
        return None
    # the outer edge: the first and last ink of every column (the ring's arcs; the cut's ends lie on it too)
    order = np.lexsort((yy, xx))
    xs, ys = xx[order], yy[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    last = np.r_[xs[1:] != xs[:-1], True]
    pts = np.concatenate([np.stack([xs[first], ys[first]], 1), np.stack([xs[last], ys[last]], 1)]).astype(np.float64)
    found = fit_circle(pts, max(2.0, 0.8 * px_mm), min_keep=SLICE_FIT_KEEP)
    if found is None:
        return None
    circle, _ = found
    r = circle.a
    if not (SLICE_RADIUS_MM[0] * px_mm <= r <= SLICE_RADIUS_MM[1] * px_mm):
        return None
    # the slice is the ink on the circle (other ink may touch it: a name seal, a neighbour seal)
    inside = np.hypot(xx - circle.cx, yy - circle.cy) <= r + band
    if inside.mean() < 0.6:
        return None
    xx, yy = xx[inside], yy[inside]
    x0, x1, y0, y1 = int(xx.min()), int(xx.max()), int(yy.min()), int(yy.max())
    across, along = x1 - x0 + 1, y1 - y0 + 1
    if (x0 > SLICE_GAP_MM * px_mm or along < cfg.min_slice_len_mm * px_mm or across < cfg.min_slice_mm * px_mm
            or across > SLICE_MAX_ACROSS * r or abs(circle.cy - (y0 + y1) / 2) > 0.25 * r):
        return None
    pts_c, score = arc_scores(wv, circle, band)
    on = (pts_c[:, 0] >= x0 + 0.5 * band) & (pts_c[:, 0] <= x1 - 0.5 * band) & (pts_c[:, 0] >= 0)
    if on.sum() * 2 * math.pi * r / len(on) < SLICE_ARC_MM * px_mm:
        return None
    arc = score[on]
    if arc.mean() < SLICE_ARC_SCORE or (arc >= 0.3).mean() < SLICE_ARC_INKED:
        return None
    beyond = (pts_c[:, 0] > x1 + 2 * band) & (pts_c[:, 0] < wv.shape[1])  # past the cut: paper, on a slice
    if beyond.any() and float((score[beyond] >= 0.3).mean()) > SLICE_BEYOND_INK:
        return None
    bx, by = _from_view(np.array([x0, x1], np.float64), np.array([y0, y1], np.float64), edge, shape)
    cx, cy = _from_view(np.array([circle.cx]), np.array([circle.cy]), edge, shape)
    return _Slice(edge, (int(bx.min()), int(by.min()), int(bx.max()) + 1, int(by.max()) + 1),
                  Fit("ellipse", float(cx[0]), float(cy[0]), r, r, 0.0, float(arc.mean()), 0.0), float(arc.mean()))


def _slice_candidate(s: _Slice, page: int, up: float, page_shape: tuple[int, int]) -> Candidate:
    H, W = page_shape
    x0, y0, x1, y1 = (min(v * up, lim - 1) for v, lim in zip(s.box, (W, H, W, H)))
    fit = Fit("rect", (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, 1.0, 1.0)
    bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                polygon=((float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1)), (float(x0), float(y1))))
    conf = min(0.7, 0.4 + 0.5 * s.score)
    return Candidate(page=page, shape=SealShape.other, fit=fit, bbox=bbox, confidence=round(conf, 3), colour=True,
                     cross_page=True, edge=s.edge)


def _within(c: Candidate, s: Candidate) -> bool:
    """Whether candidate ``c`` is (mostly) a piece of the cross-page slice ``s``: half of its box inside the
    slice's."""
    a, b = c.bbox, s.bbox
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return ix * iy >= 0.5 * max(1.0, (a.x1 - a.x0) * (a.y1 - a.y0))
