"""Cross-page seal slices (骑缝章): the strip of a seal stamped across stacked pages along each page's edge.

A seal stamped across the edges of stacked pages leaves on each page a strip cut straight where the next page lay:
a cap of the ring (the first and last pages) or a band through its middle whose arcs, star and text are separate
pieces.

1. :func:`edge_slices`: along each page edge, ink in a band is grouped and its pieces along the edge joined; a
   cluster is a slice (:func:`_slice_of`) when its outer edge lies on a seal's circle whose arcs on the strip are
   inked and which is bare past the cut (the circle fitted by least squares; when none fits, one that most of the
   edge lies on, :func:`pipeline.seals.geometry.ransac_circles`, held to tests of its own, SLICE_RANSAC_*: a fax's
   dithered arc, a fading cap). Run on the red-ink weight of colour pages
   (:class:`pipeline.seals.detect.SealDetector`) and on the dark pixels of pages without colour
   (:func:`pipeline.seals.colourless.grey_rings`, in a narrower band);
2. a slice is reported as a cross-page :class:`Candidate` with the box of its ink (:func:`slice_candidate`);
   candidates lying half inside it are pieces of it (:func:`in_slice`);
3. on pages without colour, a ring found near an edge whose edge-side half is inked and the far half bare, or which
   runs off the page, is a slice too (:func:`grey_slice`).
4. on a phone photo the sheet lies inside the frame: its sides inside the frame are searched as in 1, on the sheet
   turned upright (:func:`paper_slices`, :mod:`pipeline.seals.paper`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.config import SealConfig
from pipeline.seals.candidate import Candidate
from pipeline.seals.geometry import Fit, arc_scores, fit_circle, ransac_circles
from pipeline.seals.ink import BOX_MM, remove_rules
from pipeline.seals.paper import paper_quad, paper_view
from pipeline.types import BBox, SealShape

# Cross-page slices (骑缝章): a round seal stamped across the edges of stacked pages leaves on each page a strip of
# it cut straight where the next page covered it: a cap of the ring (its first and last pages), or a band through its
# middle whose arcs, star and text lie in separate pieces. The strip lies within SLICE_BAND_MM of the edge, its ink
# reaching within SLICE_GAP_MM of it (the last cap can end short of the edge: the paper under the seal's margin);
# pieces up to SLICE_JOIN_MM apart along the edge join. Its outer edge, the extreme ink of every line square to the
# page edge, lies on a circle of SLICE_RADIUS_MM radius, at most SLICE_MAX_ACROSS x the radius of it visible across;
# the circle's arcs within the strip sit on ink (their ring score, see detect._on_ring, at least SLICE_ARC_SCORE on
# average and SLICE_ARC_INKED of their length at 0.3 or more) and SLICE_ARC_MM of them at least lie on the strip.
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
# When the least-squares fit of the outer edge fails (a stretch of a fax's ring dithered away, the text inside it
# standing in for it), circles on which SLICE_RANSAC_KEEP of the outer edge lies are tried, the SLICE_RANSAC_TRIES
# best (geometry.ransac_circles). Such a circle must hold an arc on the strip inked without a break for
# SLICE_RANSAC_RUN_MM, and SLICE_RANSAC_INKED of its arcs (faint fax arcs: 0.61-0.95 on the generated development
# faxes) with at most SLICE_RANSAC_BEYOND of it inked past the cut. Circles traced through a bank slip's bold title
# at the top edge held 5 mm runs (slices 13-17 mm); one through an invoice's text and a rule by its left edge, a run of
# 13 mm, but 0.26 of it inked past the cut (slices 0.00). SLICE_RANSAC_INKED was 0.6: the last page's cap of a
# partial impression whose lower third fades out (fresh seed-62 contracts, digital and scanned) holds 0.56-0.59 of
# its arcs inked (mean 0.47-0.51, runs of 16-17 mm, nothing past the cut); of the 300 circles tried on pages where no
# slice lies (every generated set and the scenarios), none with a 10 mm run and <= 0.1 past the cut reaches the arc
# score (0.45) but circles on whole seals by an edge, which the detector reports whole (supervision seals at an
# e-invoice's top); the nearest other, through a photographed invoice's text, 0.41 with 0.60 inked.
SLICE_RANSAC_KEEP = 0.6
SLICE_RANSAC_TRIES = 3
SLICE_RANSAC_INKED = 0.55
SLICE_RANSAC_RUN_MM = 10.0
SLICE_RANSAC_BEYOND = 0.1


EDGES = ("right", "left", "top", "bottom")


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
                depth_mm: float = SLICE_BAND_MM, edges: tuple[str, ...] = EDGES) -> list[_Slice]:
    """Slices of cross-page seals along the page ``edges`` (see SLICE_BAND_MM): ink pieces in a band along each
    edge, joined along it, kept when their outer edge lies on a seal's circle whose arcs on the strip are inked."""
    H, W = weight.shape
    depth = int(depth_mm * px_mm)
    if min(H, W) < 2 * depth:
        return []
    deep = min(min(H, W), depth + int(2 * SLICE_RADIUS_MM[1] * px_mm))
    out: list[_Slice] = []
    k = max(3, int(round(1.2 * px_mm)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    for edge in edges:
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
            s, fitted = _slice_of(m, labels, c[2:], (c[0], c[1]), wv, edge, (H, W), depth, px_mm, band, cfg)
            nxt = clusters[k + 1] if k + 1 < len(clusters) else None
            if (s is None and nxt is not None and nxt[0] - c[1] <= SLICE_JOIN_FAR_MM * px_mm
                    and nxt[1] - c[0] <= 2 * SLICE_RADIUS_MM[1] * px_mm):
                # the middle strip's pieces further apart (a star, then a bare stretch, then the ring's arc)
                s, _ = _slice_of(m, labels, c[2:] + nxt[2:], (c[0], max(c[1], nxt[1])), wv, edge, (H, W), depth,
                                 px_mm, band, cfg)
                k += s is not None
            if s is None and not fitted:  # no circle fits its outer edge: one a stretch of whose ring is lost
                s, _ = _slice_of(m, labels, c[2:], (c[0], c[1]), wv, edge, (H, W), depth, px_mm, band, cfg,
                                 lost=True)
            if s is not None:
                out.append(s)
            k += 1
    return out


def _slice_of(m: np.ndarray, labels: np.ndarray, members: list[int], rows: tuple[int, int], wv: np.ndarray,
              edge: str, shape: tuple[int, int], depth: int, px_mm: float, band: float,
              cfg: SealConfig, lost: bool = False) -> tuple[_Slice | None, bool]:
    """One cluster of ink pieces along an edge (in :func:`_edge_view` coordinates) as a cross-page slice, or None,
    and whether a circle fits its outer edge by least squares. ``rows``: the rows along the edge its pieces lie in
    (first, last + 1), the only ones looked at. ``lost``: for a cluster no circle fits so, the circles most of its
    outer edge lies on are tried instead (SLICE_RANSAC_*)."""
    r0, r1 = rows
    yy, xx = np.nonzero((m[r0:r1] > 0) & np.isin(labels[r0:r1], members))
    yy += r0
    if len(xx) < 20 or xx.min() > SLICE_GAP_MM * px_mm or yy.max() - yy.min() < cfg.min_slice_len_mm * px_mm:
        return None, True  # no strip along the edge: nothing to fit
    # the outer edge: the first and last ink of every column (the ring's arcs; the cut's ends lie on it too)
    order = np.lexsort((yy, xx))
    xs, ys = xx[order], yy[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    last = np.r_[xs[1:] != xs[:-1], True]
    pts = np.concatenate([np.stack([xs[first], ys[first]], 1), np.stack([xs[last], ys[last]], 1)]).astype(np.float64)
    tol = max(2.0, 0.8 * px_mm)
    if not lost:
        found = fit_circle(pts, tol, min_keep=SLICE_FIT_KEEP)
        if found is None:
            return None, False
        return _on_circle(found[0], xx, yy, wv, edge, shape, px_mm, band, cfg), True
    # a faint stretch of the ring lost (a fax's dithered arc): the outer edge there is the text or star inside it,
    # and the least-squares fit, pulled by it, does not settle. Circles through three of the points that most of
    # them lie on (SLICE_RANSAC_KEEP) are tried in turn, best first.
    for circle in ransac_circles(pts, tol, SLICE_RADIUS_MM[0] * px_mm, SLICE_RADIUS_MM[1] * px_mm,
                                 SLICE_RANSAC_KEEP, SLICE_RANSAC_TRIES):
        s = _on_circle(circle, xx, yy, wv, edge, shape, px_mm, band, cfg, strict=False)
        if s is not None:
            return s, False
    return None, False


def _on_circle(circle: Fit, xx: np.ndarray, yy: np.ndarray, wv: np.ndarray, edge: str, shape: tuple[int, int],
               px_mm: float, band: float, cfg: SealConfig, strict: bool = True) -> _Slice | None:
    """The slice on ``circle`` (edge-view pixels) of a cluster's ink ``xx, yy``, or None when the circle's arcs on
    the strip are not inked, the circle past the cut is, or the ink on it is no strip along the edge. ``strict``:
    False for a circle of :func:`ransac_circles` (see SLICE_RANSAC_INKED)."""
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
    if arc.mean() < SLICE_ARC_SCORE or (arc >= 0.3).mean() < (SLICE_ARC_INKED if strict else SLICE_RANSAC_INKED):
        return None
    beyond = (pts_c[:, 0] > x1 + 2 * band) & (pts_c[:, 0] < wv.shape[1])  # past the cut: paper, on a slice
    beyond_ink = float((score[beyond] >= 0.3).mean()) if beyond.any() else 0.0
    if beyond_ink > (SLICE_BEYOND_INK if strict else SLICE_RANSAC_BEYOND):
        return None
    if not strict and _longest_run(on & (score >= 0.3)) * 2 * math.pi * r / len(on) < SLICE_RANSAC_RUN_MM * px_mm:
        return None
    bx, by = _from_view(np.array([x0, x1], np.float64), np.array([y0, y1], np.float64), edge, shape)
    cx, cy = _from_view(np.array([circle.cx]), np.array([circle.cy]), edge, shape)
    return _Slice(edge, (int(bx.min()), int(by.min()), int(bx.max()) + 1, int(by.max()) + 1),
                  Fit("ellipse", float(cx[0]), float(cy[0]), r, r, 0.0, float(arc.mean()), 0.0), float(arc.mean()))


def _longest_run(flags: np.ndarray) -> int:
    """The longest run of True in a circular sequence."""
    if flags.all():
        return len(flags)
    f = np.roll(flags, -int(np.argmin(flags)))  # starts with a False: no run wraps round
    edges = np.flatnonzero(np.diff(np.r_[f, False].astype(np.int8)))  # (start - 1, end - 1) pairs
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0


# On a phone photo the sheet's edges inside the frame are searched too, on the sheet turned upright
# (:mod:`pipeline.seals.paper`) less PAPER_TRIM_MM along each side (the desk's colour where the sheet's corners were
# placed a pixel off). The photo's nominal dpi says nothing of the sheet's scale; its long side is taken for an A4
# page's (SHEET_LONG_MM): slices cross the pages of contracts. Only A4 sheets are searched, their sides SHEET_ASPECT
# apart as photographed (1.41 flat; contract pages in perspective 1.32-1.62 on the generated photos, bank slips
# 1.71-1.99 and vouchers 1.95-2.13, whose red titles near the edge were taken for slices).
PAPER_TRIM_MM = 0.5
SHEET_LONG_MM = 297.0
SHEET_ASPECT = (1.25, 1.65)


def paper_slices(weight: np.ndarray, image: np.ndarray, cfg: SealConfig) -> list[_Slice]:
    """Slices along the sides of the sheet of paper that lie inside the frame of a photo (``image``: the BGR
    raster ``weight`` was computed on), boxes in ``weight``'s pixels; none when the sheet fills the image."""
    quad = paper_quad(image)
    view = None if quad is None else paper_view(quad, weight.shape)
    if view is None or not SHEET_ASPECT[0] <= max(view.size) / min(view.size) <= SHEET_ASPECT[1]:
        return []
    px_mm = max(view.size) / SHEET_LONG_MM
    band = max(2.0, 1.2 * px_mm)
    trim = max(1, round(PAPER_TRIM_MM * px_mm))
    upright = view.warp(weight.astype(np.float32))[trim:-trim, trim:-trim]
    out = []
    for s in edge_slices(upright, px_mm, band, cfg, edges=view.inside):
        x0, y0, x1, y1 = s.box
        corners = view.to_image(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64) + trim)
        (cx, cy), = view.to_image(np.array([[s.circle.cx + trim, s.circle.cy + trim]]))
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        box = (int(max(0, lo[0])), int(max(0, lo[1])), int(min(weight.shape[1], hi[0] + 1)),
               int(min(weight.shape[0], hi[1] + 1)))
        out.append(_Slice(s.edge, box, dataclasses.replace(s.circle, cx=float(cx), cy=float(cy)), s.score))
    return out


def slice_candidate(s: _Slice, page: int, up: float, page_shape: tuple[int, int]) -> Candidate:
    H, W = page_shape
    x0, y0, x1, y1 = (min(v * up, lim - 1) for v, lim in zip(s.box, (W, H, W, H)))
    fit = Fit("rect", (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, 1.0, 1.0)
    bbox = BBox(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1),
                polygon=((float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1)), (float(x0), float(y1))))
    conf = min(0.7, 0.4 + 0.5 * s.score)
    return Candidate(page=page, shape=SealShape.other, fit=fit, bbox=bbox, confidence=round(conf, 3), colour=True,
                     cross_page=True, edge=s.edge)


def in_slice(c: Candidate, s: Candidate) -> bool:
    """Whether candidate ``c`` is (mostly) a piece of the cross-page slice ``s``: half of its box inside the
    slice's."""
    b = s.bbox
    return c.bbox.share_inside(b.x0, b.y0, b.x1, b.y1) >= 0.5


def grey_slice(ink: np.ndarray, f: Fit, band: float, px_mm: float) -> tuple[str, tuple[float, ...]] | None:
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
