"""Seal detection: red-ink regions fitted to a circle, ellipse or rectangle; rings on greyscale and fax pages.

:class:`SealDetector` is built once from a :class:`SealConfig` and called per page image. It works on a copy of the
page at ``config.work_dpi``. This module holds the detector and the fitting of red-ink regions on colour pages; the
other steps live in :mod:`pipeline.seals.ink` (red ink, rules, regions), :mod:`pipeline.seals.slices` (cross-page
slices), :mod:`pipeline.seals.colourless` (pages without colour) and :mod:`pipeline.seals.candidate` (the
:class:`Candidate` it returns, and helpers they share):

1. red ink as a soft weight (:func:`pipeline.seals.ink.seal_ink`, from :func:`pipeline.ocr.redink.red_weight`:
   white-balanced by the local paper colour, so phone-photo light and tinted invoice paper do not matter; its
   threshold rises above the paper's colour noise); weight >= 0.5 is the ink mask;
2. ink pixels grouped into regions (:func:`pipeline.seals.ink.ink_regions`: a small dilation joins a ring's broken
   pieces and its characters), straight red rules removed first (not a square seal's border:
   :func:`pipeline.seals.ink.remove_rules`);
3. each region fitted (:func:`fit_region`, :func:`pipeline.seals.geometry.fit_shape`); a region too big for one seal
   or whose outline is poorly explained is split into circles (overlapping seals);
4. a nearly round fit is replaced by the circle that sits best on the soft weight
   (:func:`pipeline.seals.geometry.refine_circle`): the faint side of a partial impression, below the mask's
   threshold, pulls an ellipse fit off centre and out of round;
5. a fit that explains only part of its region's outline must sit on a continuous ring or border
   (:func:`_on_ring`): red form print, labels and table rules are not seals;
6. seals joined into one region (a name seal stamped across a company seal's rim) are separated: rings and squares
   in the ink the fits leave over (:func:`separate`; a pale square's border is scored with faint ink counted,
   :func:`pipeline.seals.ink.faint_weight`); a whole, clean ring counts from SMALL_RING_MM (an image read at an
   assumed dpi);
7. regions at a page edge that are much narrower than long are slices of a cross-page seal (骑缝章), and slices are
   searched along the page edges (:func:`pipeline.seals.slices.edge_slices`) and, on a phone photo, along the edges
   of the sheet inside the frame (:func:`pipeline.seals.slices.paper_slices`);
8. on a page without colour (a greyscale scan, a binarised fax) seal ink and print are both dark: round and oval
   seals are found by their ring alone, squares by their border, slices at the page edges
   (:func:`pipeline.seals.colourless.grey_rings`), all reported at lower confidence.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipeline.config import SealConfig
from pipeline.seals.candidate import Candidate, inside_fit, shape_of
from pipeline.seals.colourless import grey_rings, is_bilevel
from pipeline.seals.geometry import (Fit, find_rings, find_square, fit_shape, match_ring, outside_all, rect_score,
                                     refine_circle, refine_ellipse, ring_scores, ring_support, slanted_ring,
                                     split_circles)
from pipeline.seals.ink import FaintWeight, Region, ink_regions, seal_ink
from pipeline.seals.slices import slice_candidate, in_slice, edge_slices, paper_slices
from pipeline.types import BBox, SealShape

MM_PER_INCH = 25.4
A4_LONG_INCH = 11.7


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
            out = grey_rings(small, page_index, 1.0 / scale, px_mm, band, cfg, fax=is_bilevel(image))
        else:
            out = []
            weight, balanced = seal_ink(small, cfg.max_hue_ratio)
            mask = weight >= 0.5
            faint = FaintWeight(balanced, weight, cfg.max_hue_ratio)
            for region in ink_regions(mask, px_mm, cfg):
                fits = []
                for fit, _ in fit_region(region, px_mm, cfg, mask):
                    fit = refine_circle(weight, fit, band, oval_aspect=cfg.oval_aspect) or fit
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
            found = edge_slices(weight, px_mm, band, cfg) + paper_slices(weight, small, cfg)
            slices = [slice_candidate(s, page_index, 1.0 / scale, (h, w)) for s in found]
            # a whole ring found where a slice would be is a whole seal near the edge (a supervision seal at the top
            # of an e-invoice), not a slice: the slice's cut would have left only part of its ring
            whole = [c for c in out if c.fit.support >= WHOLE_SUPPORT]
            slices = [s for s in slices if not any(in_slice(s, c) for c in whole)]
            out = [c for c in out if not any(in_slice(c, s) for s in slices)] + slices
        kept: list[Candidate] = []
        for cand in sorted(out, key=lambda c: -c.fit.a * c.fit.b):
            if not any(_same(cand, k) for k in kept):
                kept.append(cand)
        return sorted(kept, key=lambda c: (c.bbox.y0, c.bbox.x0))


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
# A ring scoring from SLANTED_RING_SCORE is looked at again as an ellipse (geometry.slanted_ring), axes at most
# SLANTED_ASPECT apart, which must reach JOINED_RING_SCORE: a photo's perspective makes a round seal an ellipse (a
# round seal and a name seal joined on a photographed contract: the circle 0.48, the ellipse 0.79, axes 1.13 apart).
# Only in a group without an ellipse fit (the joined pair's fit was dropped: it sat on no ring), or whose ellipse fits
# are name seals' borders taken for small rings (a square explains them better: a pale round seal photographed at a
# slant beside its bright name seal, fresh seed 62, the circle 0.49, the ellipse 0.65). Elsewhere it went wrong: one
# end of a printed supervision oval (0.5), refined, replaced the oval's fit; beside a round seal fitted already, a
# 2x2 name seal's border taken for an ellipse (0.61-0.62) was then replaced by a square fitted a little differently,
# or kept (axes 1.30 apart: from 1.2 apart a ring small enough for a name seal is not checked against a square).
SLANTED_RING_SCORE = 0.4
SLANTED_ASPECT = 1.2
SQUARE_MM = (12.0, 28.0)
MIN_SQUARE_SCORE = 0.45
MIN_SQUARE_SUPPORT = 0.6


def separate(region: "Region", fits: list[Fit], weight: np.ndarray, px_mm: float, band: float,
             faint: FaintWeight | None = None) -> list[Fit]:
    """The seals of an ink group, given the fits found for it (work-image pixels): a name seal overlapping a round
    seal joins it into one group, whose fit is the round seal alone, or the square taken for a small ring, or an
    ellipse round both. Where the fits leave ink over (:func:`_rest_pieces`), or an elongated ellipse with a poor
    outline was fitted to the whole group:

    1. rings on the soft weight round the group (:func:`find_rings`; a round seal photographed at a slant as the
       ellipse refined from its circle, :func:`slanted_ring`) that are not a fit already; an elongated ellipse round a
       ring found this way is dropped (it was fitted to the joined group);
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
    # a round seal photographed at a slant (an ellipse) is looked for in a group whose ring was not fitted: no ellipse
    # was fitted but, maybe, a name seal's border taken for a small ring (a square explains it better)
    named = [f for f in fits if f.kind == "ellipse" and _name_square(region, f, (), weight, px_mm, band) is not None]
    slant = not any(f.kind == "ellipse" and f not in named for f in fits)
    for ring in find_rings(win, JOINED_RING_MM[0] * px_mm, JOINED_RING_MM[1] * px_mm, band,
                           SLANTED_RING_SCORE if slant else JOINED_RING_SCORE):
        if ring.support < JOINED_RING_SCORE:
            if any(f.kind == "ellipse" and f not in named for f in fits):
                continue  # a ring was found already
            ring = slanted_ring(win, ring, band)[0]
            if ring.support < JOINED_RING_SCORE or max(ring.a, ring.b) > SLANTED_ASPECT * min(ring.a, ring.b):
                continue
        ring = ring.scaled(1.0, x0, y0)
        r = math.sqrt(ring.a * ring.b)
        if any(f.kind == "ellipse" and math.hypot(f.cx - ring.cx, f.cy - ring.cy) < 0.2 * r
               and abs(f.a / r - 1) < 0.1 and abs(f.b / r - 1) < 0.1 for f in fits):
            continue  # the fit found it
        if not any(_superseded(f, ring, weight, band) for f in joined) and not (
                pieces and inside_fit(ring, *np.concatenate(pieces)[::7].T).any()):
            continue  # explains none of the ink left over
        fits = [f for f in fits if not _superseded(f, ring, weight, band)]
        support = ring_support(region.mask, ring.scaled(1.0, -region.x0, -region.y0), band)
        fits.append(Fit("ellipse", ring.cx, ring.cy, ring.a, ring.b, ring.angle, support, 0.0))
    rings = tuple(f for f in fits if _seal_ring(f, px_mm))
    if not rings:
        return fits
    # a name seal taken for a small ring, or for an ellipse its ink explains poorly (a name seal with one side worn,
    # fitted as an oval at 37 degrees: sz_not_on_pilot_list C1's 姚博宇印)
    fits = [_name_square(region, f, tuple(r for r in rings if r is not f), weight, px_mm, band) or f for f in fits]
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


def _rest_pieces(region: "Region", fits: list[Fit], px_mm: float, band: float) -> list[np.ndarray]:
    """The region's ink outside every fit (grown by ``band``), in pieces (1.2 mm apart at most) at least REST_MM
    long: arrays (n, 2) of work-image points."""
    yy, xx = np.nonzero(region.mask)
    keep = np.ones(len(xx), bool)
    for f in fits:
        if f.kind == "ellipse":
            keep &= outside_all(xx + region.x0, yy + region.y0, (f,), band)
        else:
            keep &= ~inside_fit(Fit(f.kind, f.cx, f.cy, f.a + band, f.b + band, f.angle, 0, 0), xx + region.x0,
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


def _name_square(region: Region, f: Fit, others: tuple[Fit, ...], weight: np.ndarray, px_mm: float,
                 band: float) -> Fit | None:
    """The square that explains a fit small enough for a name seal better than its ring (outside the rings
    ``others``), or None."""
    if not _seal_ring(f, px_mm) or 2 * max(f.a, f.b) > SQUARE_MM[1] * px_mm or (
            max(f.a, f.b) > 1.2 * min(f.a, f.b) and f.support >= WHOLE_SUPPORT):
        return None
    yy, xx = np.nonzero(region.mask)
    pts = np.stack([xx + region.x0, yy + region.y0], axis=1).astype(np.float64)
    near = (np.abs(pts[:, 0] - f.cx) <= 1.2 * f.a) & (np.abs(pts[:, 1] - f.cy) <= 1.2 * f.b)
    sq = _square(region, pts[near & outside_all(pts[:, 0], pts[:, 1], others, band)], others, weight, px_mm, band)
    if sq is None or sq[1] <= ring_scores(weight, [f.cx], [f.cy], [f.a], [f.b], f.angle, band)[0] or \
            sq[1] < MIN_SQUARE_SCORE:
        return None
    return sq[0]


def _square(region: "Region", pts: np.ndarray, rings: tuple[Fit, ...], weight: np.ndarray, px_mm: float,
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


def _same(a: Candidate, b: Candidate) -> bool:
    """Two candidates for one seal: the centre of the smaller lies well inside the larger (a ring found again from a
    piece of it, or the text inside a seal taken for a small ring)."""
    small, big = sorted((a, b), key=lambda c: c.fit.a * c.fit.b)
    f = big.fit
    th = math.radians(f.angle)
    dx, dy = small.fit.cx - f.cx, small.fit.cy - f.cy
    u, v = dx * math.cos(th) + dy * math.sin(th), -dx * math.sin(th) + dy * math.cos(th)
    return (u / max(f.a, 1e-6)) ** 2 + (v / max(f.b, 1e-6)) ** 2 < 0.5


# Ring templates correlated round a poorly fitted group (a seal behind other red print) start at TEMPLATE_RING_MM
# across, not cfg.min_ring_mm (20): on an e-invoice captured at about 100 dpi and read at an assumed 200 dpi, the
# supervision oval behind the red title is 14 x 10 mm. The larger ring covered nearly as well still wins, and the
# ring found must pass the size and ring tests of any fit; one smaller than the cfg.min_ring_mm templates reach
# (axes under cfg.min_ring_mm and 0.8 of it) must be inked along
# WHOLE_SUPPORT of its outline (the oval behind the title: 0.92; rings traced through a bank slip's red text and
# stamps on the held-out photos: 0.64-0.74).
TEMPLATE_RING_MM = 10.0
# The ring must hold TEMPLATE_HOLDS of the group's own ink within a ring's width of its outline: the window reaches
# 6 mm and more round the group, and a photographed bank slip's red table cell beside a group of its red labels
# matched a 15 x 12 mm ring holding none of it (a false seal). Rings matched round seals hold 0.36-0.98 of their
# group's ink on the generated and scenario pages, rings in print 0.00-0.43.
TEMPLATE_HOLDS = 0.1


def fit_region(region: Region, px_mm: float, cfg: SealConfig,
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
            else:  # a ring beside the group, not round it (see TEMPLATE_HOLDS)
                yy, xx = np.nonzero(region.mask)
                beside = outside_all(xx + (region.x0 - wx0), yy + (region.y0 - wy0), (alt,), band)
                alt = alt if len(xx) and 1.0 - float(beside.mean()) >= TEMPLATE_HOLDS else None
        if alt is not None and alt.support > fit.support:
            return [(alt.scaled(1.0, wx0, wy0), win)]
    return [(fit.scaled(1.0, region.x0, region.y0), region.mask)]


def _disc_mask(mask: np.ndarray, c: Fit) -> np.ndarray:
    disc = np.zeros(mask.shape, np.uint8)
    cv2.circle(disc, (round(c.cx), round(c.cy)), round(c.a * 1.02), 1, -1)
    return mask & (disc > 0)


def _at_edge(region: Region, margin: int) -> bool:
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


# A fit whose box spans this share of the image's width and height is a seal cropped to its outline (the seal images
# of ../shared/realdata: about 83 mm across at the assumed 200 dpi, over cfg.max_size_mm once deskewing widened
# them by four pixels), whatever its size in mm.
CROP_FILL = 0.9


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
    # an image the seal fills is a crop of that seal: its size in mm rests on an assumed dpi and says nothing
    fills = x1 - x0 >= CROP_FILL * (W - 1) and y1 - y0 >= CROP_FILL * (H - 1)
    if not cross and not fills and max(bw, bh) > cfg.max_size_mm * 1.1:
        return None
    if not cross and f.support < cfg.min_support:
        return None
    shape = shape_of(f, cfg) if not cross else SealShape.other
    conf = 0.5 + 0.45 * min(1.0, f.support / 0.8)
    if cross:
        conf = min(conf, 0.7)
    bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                polygon=tuple((float(x), float(y)) for x, y in poly))
    return Candidate(page=page, shape=shape, fit=f, bbox=bbox, confidence=round(float(conf), 3), colour=True,
                     cross_page=cross, edge=edge if cross else None)
