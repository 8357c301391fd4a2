"""Pure geometry of seal regions: shape fitting, ring support, splitting overlapping rings, ellipse outlines.

All functions work on boolean/uint8 masks and point arrays in one pixel space; nothing here knows about pages.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.config import SealConfig


@dataclass(frozen=True)
class Fit:
    """A fitted outline: ellipse (``cx, cy, a, b, angle``; ``a`` along ``angle`` degrees, clockwise in image
    coordinates as OpenCV gives it) or rectangle (``a, b`` half sides), with the share of its outline inked."""

    kind: str  # "ellipse" | "rect"
    cx: float
    cy: float
    a: float
    b: float
    angle: float
    support: float
    fill: float  # convex hull area / min-area rectangle area

    def scaled(self, f: float, dx: float = 0.0, dy: float = 0.0) -> "Fit":
        return Fit(self.kind, self.cx * f + dx, self.cy * f + dy, self.a * f, self.b * f, self.angle, self.support,
                   self.fill)

    def outline(self, n: int = 24) -> np.ndarray:
        """Points (n, 2) of the outline, clockwise in image coordinates."""
        if self.kind == "rect":
            local = np.array([[-self.a, -self.b], [self.a, -self.b], [self.a, self.b], [-self.a, self.b]], np.float64)
        else:
            t = np.linspace(0, 2 * math.pi, n, endpoint=False)
            local = np.stack([self.a * np.cos(t), self.b * np.sin(t)], axis=1)
        th = math.radians(self.angle)
        rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
        return local @ rot.T + np.array([self.cx, self.cy])


def ellipse_points(cx: float, cy: float, a: float, b: float, angle: float, t: np.ndarray) -> np.ndarray:
    """Points (len(t), 2) on an ellipse at parameters ``t`` (radians, image orientation: y down, so increasing t
    runs clockwise on screen)."""
    th = math.radians(angle)
    x, y = a * np.cos(t), b * np.sin(t)
    return np.stack([cx + x * math.cos(th) - y * math.sin(th), cy + x * math.sin(th) + y * math.cos(th)], axis=1)


def ring_support(mask: np.ndarray, fit: Fit, band: float, n: int = 180, off_map_misses: bool = False) -> float:
    """Share of ``n`` directions in which ``mask`` holds ink within ``band`` pixels inside the fitted outline.
    Directions whose outline lies off ``mask`` are left out, or counted as misses with ``off_map_misses`` (a circle
    proposed inside a region's box must lie in it)."""
    h, w = mask.shape
    t = _directions(n)
    d = np.linspace(-0.3 * band, band, 5)[:, None]
    a, b = np.maximum(1.0, fit.a - d), np.maximum(1.0, fit.b - d)
    # every offset at once: the point helpers broadcast the axes, (offset, x or y, direction)
    pts = (_rect_points if fit.kind == "rect" else ellipse_points)(fit.cx, fit.cy, a, b, fit.angle, t)
    xi, yi = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    valid = inside.any(axis=0)
    hits = (inside & (mask[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] > 0)).any(axis=0)
    if off_map_misses:
        return float(hits.mean())
    return float(hits[valid].mean()) if valid.any() else 0.0


def _rect_points(cx: float, cy: float, a: float, b: float, angle: float, t: np.ndarray) -> np.ndarray:
    c, s = np.cos(t), np.sin(t)
    k = 1.0 / np.maximum(np.abs(c) / a, np.abs(s) / b)
    return _rot(cx, cy, angle, k * c, k * s)


def _rot(cx: float, cy: float, angle: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    th = math.radians(angle)
    return np.stack([cx + x * math.cos(th) - y * math.sin(th), cy + x * math.sin(th) + y * math.cos(th)], axis=1)


def fit_shape(mask: np.ndarray, square_fill: float, band: float) -> Fit | None:
    """Fit an ellipse or a rectangle to the inked pixels of ``mask`` (one seal region).

    The ellipse is fitted to the outer contour and refitted on the contour points lying near it, so the chord left by
    a partial impression does not pull it in. A region whose convex hull fills its min-area rectangle is a rectangle.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    pts = np.concatenate(contours).reshape(-1, 2).astype(np.float32)
    if len(pts) < 6:
        return None
    hull = cv2.convexHull(pts)
    rect = cv2.minAreaRect(hull)
    rw, rh = rect[1]
    if rw < 2 or rh < 2:
        return None
    fill = float(cv2.contourArea(hull) / (rw * rh))
    (rcx, rcy), (rw, rh), ang = rect
    rect_fit = _with_support(mask, Fit("rect", rcx, rcy, rw / 2, rh / 2, ang, 0.0, fill), band)
    if fill >= square_fill:
        return rect_fit
    hull_pts = hull.reshape(-1, 2)
    dense = _densify(hull_pts)
    el = cv2.fitEllipse(dense)
    for tol in (0.1, 0.06, 0.03, 0.03):  # drop the chord a partial impression leaves in the hull
        fit = _ellipse_fit(el, 0.0, fill)
        d = _ellipse_distance(dense, fit)
        near = dense[d < max(2.0, tol * max(fit.a, fit.b))]
        if len(near) < 0.4 * len(dense) or len(near) < 6:
            break
        el = cv2.fitEllipse(near)
    el_fit = _with_support(mask, _ellipse_fit(el, 0.0, fill), band)
    # a square seal with worn corners fills its rectangle less, but its border still follows the rectangle
    if fill >= square_fill - 0.12 and rect_fit.support >= el_fit.support + 0.05:
        return rect_fit
    return el_fit


def match_ring(mask: np.ndarray, min_axis: float, max_axis: float, band: float,
               ratios: tuple[float, ...] = (1.0, 0.8, 0.67), min_cover: float = 0.7) -> Fit | None:
    """The axis-aligned ellipse outline (circle or printed oval) best covered by ink, by correlating the mask with
    ring templates of growing size: the share of the outline inked, ties to the larger ring. Used where other red
    print touches the seal (a supervision seal behind an e-invoice's title), which defeats a contour fit."""
    ink = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    h, w = ink.shape
    found: list[tuple[float, Fit]] = []
    a = min_axis
    while a <= max_axis:
        for q in ratios:
            b = a * q
            if b < min_axis * 0.8 or 2 * b > min(h, w) + 4:
                continue
            kw, kh = int(2 * a + 5), int(2 * b + 5)
            tpl = np.zeros((kh, kw), np.float32)
            cv2.ellipse(tpl, (kw // 2, kh // 2), (int(a - band / 2), int(b - band / 2)), 0, 0, 360, 1.0,
                        max(1, int(band / 2)))
            tpl /= max(1.0, tpl.sum())
            score_map = cv2.filter2D(ink, -1, tpl, borderType=cv2.BORDER_CONSTANT)
            _, score, _, (x, y) = cv2.minMaxLoc(score_map)
            found.append((score, Fit("ellipse", float(x), float(y), a, b, 0.0, 0.0, 0.0)))
        a *= 1.08
    if not found:
        return None
    top = max(s for s, _ in found)
    good = [f for s, f in found if s >= max(min_cover, 0.93 * top) and _outside(mask, f, band) < 0.6]
    if not good:
        return None
    return _with_support(mask, max(good, key=lambda f: f.a * f.b), band)


def _outside(mask: np.ndarray, f: Fit, band: float) -> float:
    """Share of directions inked just outside an outline: low for a seal standing on paper, high inside print."""
    g = 2.5 * band
    return ring_support(mask, Fit(f.kind, f.cx, f.cy, f.a + g, f.b + g, f.angle, 0.0, 0.0), 0.5 * band, n=90)


def _densify(poly: np.ndarray, step: float = 2.0) -> np.ndarray:
    out = []
    for p, q in zip(poly, np.roll(poly, -1, axis=0)):
        n = max(1, int(np.hypot(*(q - p)) / step))
        out.append(p + (q - p) * np.arange(n)[:, None] / n)
    return np.concatenate(out).astype(np.float32)


def _ellipse_fit(el, support: float, fill: float) -> Fit:
    (cx, cy), (d1, d2), ang = el
    return Fit("ellipse", cx, cy, d1 / 2, d2 / 2, ang, support, fill)


def _ellipse_distance(pts: np.ndarray, fit: Fit) -> np.ndarray:
    """Approximate distance of points to the ellipse outline (radial, in pixels)."""
    th = math.radians(fit.angle)
    x, y = pts[:, 0] - fit.cx, pts[:, 1] - fit.cy
    u, v = x * math.cos(th) + y * math.sin(th), -x * math.sin(th) + y * math.cos(th)
    r = np.hypot(u / max(fit.a, 1e-6), v / max(fit.b, 1e-6))
    return np.abs(r - 1.0) * np.hypot(u, v) / np.maximum(r, 1e-6)


def _with_support(mask: np.ndarray, fit: Fit, band: float) -> Fit:
    return Fit(fit.kind, fit.cx, fit.cy, fit.a, fit.b, fit.angle, ring_support(mask, fit, band), fit.fill)


def split_circles(mask: np.ndarray, min_r: float, max_r: float, band: float, min_support: float) -> list[Fit]:
    """Circles in a region where several round seals overlap: Hough candidates on the ink, kept greedily by ring
    support while they are not the same circle. Empty when fewer than two circles hold up."""
    m = (mask > 0).astype(np.uint8) * 255
    blur = cv2.GaussianBlur(m, (5, 5), 1.5)
    found = cv2.HoughCircles(blur, cv2.HOUGH_GRADIENT, dp=1.5, minDist=max(4.0, min_r * 0.6), param1=100,
                             param2=max(10, int(min_r * 0.5)), minRadius=int(min_r), maxRadius=int(max_r))
    if found is None:
        return []
    fits = []
    for x, y, r in found[0][:12]:
        f = Fit("ellipse", float(x), float(y), float(r), float(r), 0.0, 0.0, 0.0)
        f = Fit("ellipse", f.cx, f.cy, f.a, f.b, 0.0, ring_support(mask, f, band, off_map_misses=True), 0.0)
        if f.support >= min_support:
            fits.append(f)
    fits.sort(key=lambda f: -f.support * f.a)
    kept: list[Fit] = []
    for f in fits:
        if all(math.hypot(f.cx - k.cx, f.cy - k.cy) > 0.5 * min(f.a, k.a) for k in kept):
            kept.append(f)
    kept = kept[:4]
    if len(kept) < 2:
        return []
    # the circles must explain the region: most of its ink lies inside one of them
    cover = np.zeros(mask.shape, np.uint8)
    for k in kept:
        cv2.circle(cover, (round(k.cx), round(k.cy)), round(k.a * 1.03), 1, -1)
    ink = mask > 0
    return kept if (ink & (cover > 0)).sum() >= 0.9 * ink.sum() else []



def ring_scores(weight: np.ndarray, cx: np.ndarray, cy: np.ndarray, a: np.ndarray, b: np.ndarray,
                angle: float | np.ndarray, band: float, n: int = 120) -> np.ndarray:
    """How well elliptical outlines (arrays of centres and half axes; one ``angle``, or one each) sit on a ring of ink
    ``band`` wide in a soft ink map (``weight`` in [0, 1]): the mean ink across the ring's width just inside the
    outline, less half the ink just outside it (a ring stands on paper; a circle grown into the print around it does
    not). Points off the map count as no ink."""
    inner, outer = _ring_ink(weight, cx, cy, a, b, angle, band, _directions(n))
    return inner.mean(axis=1) / 3 - 0.5 * (outer.mean(axis=1) / 2)


@functools.cache
def _directions(n: int) -> np.ndarray:
    """``n`` directions round a circle (read-only: shared by every call)."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    t.flags.writeable = False
    return t


# the ring's own width lies inside the outline (the outline is its outer edge); the paper round it just outside
_RING_INSIDE = (0.25, 0.5, 0.75)
_RING_OUTSIDE = (-0.8, -1.6)
# outlines are sampled in chunks of about this many points (every offset), so the temporaries stay in the cache: the
# ring search on pages without colour scores thousands of outlines in one call
_RING_CHUNK = 1 << 15


def _ring_ink(weight: np.ndarray, cx, cy, a, b, angle: float | np.ndarray, band: float,
              t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink summed over the offsets inside the outlines (``_RING_INSIDE`` x ``band``) and outside them, per outline
    and direction ``t``: two (outlines, len(t)) float32 arrays. ``angle``: one for all outlines, or one each.

    This runs thousands of times per page, mostly on one outline or a few hundred, so it is written for speed: all
    offsets at once (offset, outline, point); circles (angle 0, the ring searches) skip the rotation; the ink is
    gathered by a nearest-pixel remap at the rounded points (off the map: 0), which copies a float32 map with rows
    in memory order; any other map (an edge band's turned view) is indexed."""
    h, w = weight.shape
    angles = np.asarray(angle, np.float64).reshape(-1)
    if len(angles) == 1:
        th = math.radians(float(angles[0]))
        rotate, cos_th, sin_th = th != 0.0, math.cos(th), math.sin(th)
    else:  # one per outline (N, 1), as math gives them for one
        rotate = True
        cos_th, sin_th = (np.array([[f(math.radians(v))] for v in angles.tolist()]) for f in (math.cos, math.sin))
    cos_t, sin_t = np.cos(t), np.sin(t)
    cx, cy, a, b = (np.asarray(v, np.float64).reshape(-1) for v in (cx, cy, a, b))
    offsets = _RING_INSIDE + _RING_OUTSIDE
    d = np.asarray([k * band for k in offsets], np.float64)[:, None, None]
    remap = _remappable(weight)
    inner = np.zeros((len(cx), len(t)), np.float32)
    outer = np.zeros((len(cx), len(t)), np.float32)
    step = max(1, _RING_CHUNK // (len(offsets) * len(t)))
    for s in range(0, len(cx), step):
        e = min(len(cx), s + step)
        ra, rb = np.maximum(1.0, a[None, s:e, None] - d), np.maximum(1.0, b[None, s:e, None] - d)
        x, y = ra * cos_t, rb * sin_t
        if not rotate:
            px, py = np.add(x, cx[s:e, None], out=x), np.add(y, cy[s:e, None], out=y)
        else:
            c, si = (v if isinstance(v, float) else v[s:e] for v in (cos_th, sin_th))
            px = cx[s:e, None] + x * c - y * si
            py = cy[s:e, None] + x * si + y * c
        np.rint(px, out=px)
        np.rint(py, out=py)
        if remap:  # whole pixels are exact in float32; beyond int16 (where remap saturates) they are off the map
            mx, my = (v.astype(np.float32).reshape(-1, len(t)) for v in (px, py))
            ink = cv2.remap(weight, mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=0).reshape(px.shape)
        else:
            xi, yi = px.astype(np.intp), py.astype(np.intp)
            off = (xi < 0) | (xi >= w) | (yi < 0) | (yi >= h)
            xi[off], yi[off] = 0, 0
            ink = weight[yi, xi]
            ink[off] = 0.0
        for k in range(len(offsets)):  # summed in the same order and precision as one offset at a time
            (inner if k < len(_RING_INSIDE) else outer)[s:e] += ink[k]
    return inner, outer


def _remappable(weight: np.ndarray) -> bool:
    """Whether :func:`cv2.remap` reads ``weight`` without a copy and exactly: float32, its rows in memory order (a
    window of a page's map is), each side under 32767 pixels (remap's coordinates are int16)."""
    return (weight.dtype == np.float32 and weight.strides[1] == 4 and weight.strides[0] >= 4 * weight.shape[1]
            and max(weight.shape) < 32767)


def circle_grid_scores(weight: np.ndarray, xs: np.ndarray, ys: np.ndarray, rs: np.ndarray, band: float,
                       n: int = 72) -> np.ndarray:
    """:func:`ring_scores` of circles on grids: for each grid ``g``, every circle (``xs[g, i]``, ``ys[g, j]``,
    ``rs[g, k]``); an array (grids, len(xs[g]), len(ys[g]), len(rs[g])) holding the very values ring_scores gives
    them one by one. Faster: a point's column depends only on the circle's x and radius, its row only on y and radius,
    so columns are computed once per (x, radius) and rows once per (y, radius), not once per circle (the circle
    searches score grids of 27-125 circles a hundred times per page without colour)."""
    xs, ys, rs = (np.atleast_2d(np.asarray(v, np.float64)) for v in (xs, ys, rs))
    h, w = weight.shape
    t = _directions(n)
    offsets = _RING_INSIDE + _RING_OUTSIDE
    d = np.asarray([k * band for k in offsets], np.float64)[None, :, None, None]
    G, nx, ny, nr = len(xs), xs.shape[1], ys.shape[1], rs.shape[1]
    remap = _remappable(weight)
    out = np.empty((G, nx * ny * nr), np.float32)
    step = max(1, _RING_CHUNK // (nx * ny * len(offsets) * nr * n))
    for s in range(0, G, step):
        e = min(G, s + step)
        r = np.maximum(1.0, rs[s:e, None, :, None] - d)  # (grid, offset, radius, 1)
        # (grid, x or y, offset, radius, point), rounded to the pixel
        px = np.rint(xs[s:e, :, None, None, None] + (r * np.cos(t))[:, None])
        py = np.rint(ys[s:e, :, None, None, None] + (r * np.sin(t))[:, None])
        if remap:
            shape = (e - s, nx, ny, len(offsets), nr, n)  # (grid, x, y, offset, radius, point)
            mx, my = np.empty(shape, np.float32), np.empty(shape, np.float32)
            mx[...] = px[:, :, None]
            my[...] = py[:, None, :]
            ink = cv2.remap(weight, mx.reshape(-1, n), my.reshape(-1, n), cv2.INTER_NEAREST,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0).reshape(shape)
        else:
            px, py = px.astype(np.intp), py.astype(np.intp)
            off_x, off_y = (px < 0) | (px >= w), (py < 0) | (py >= h)
            off = off_x[:, :, None] | off_y[:, None, :]
            ink = weight[np.where(off_y, 0, py)[:, None, :], np.where(off_x, 0, px)[:, :, None]]
            ink[off] = 0.0
        inner = np.zeros((e - s, nx, ny, nr, n), np.float32)
        outer = np.zeros((e - s, nx, ny, nr, n), np.float32)
        for k in range(len(offsets)):  # summed in the same order and precision as ring_scores
            (inner if k < len(_RING_INSIDE) else outer)[...] += ink[:, :, :, k]
        inner, outer = inner.reshape(-1, n), outer.reshape(-1, n)  # one row per circle, as in ring_scores
        out[s:e] = (inner.mean(axis=1) / 3 - 0.5 * (outer.mean(axis=1) / 2)).reshape(e - s, -1)
    return out.reshape(G, nx, ny, nr)


# An ellipse fit whose axes are ``oval_aspect`` (SealConfig.oval_aspect) or more apart is an oval until a circle sits
# clearly better on the ink; a nearly round one is a circle unless the ellipse refined on the ring beats it by
# SLANT_MARGIN (refine_circle)
SLANT_MARGIN = 0.1


def refine_circle(weight: np.ndarray, fit: Fit, band: float, max_aspect: float = 1.45,
                  min_cover: float = 0.65, oval_aspect: float = SealConfig.model_fields["oval_aspect"].default,
                  ) -> Fit | None:
    """The circle that best explains a nearly round ellipse fit, searched on a soft ink map, or None when the
    ellipse explains the ink better (a real oval).

    A partial impression (one side faint, below the ink threshold) leaves an arc that an ellipse fits badly: its
    centre drifts toward the visible side and its axes differ by 10-30 %. Most seals are round, and a circle is
    fitted reliably from half of it; the faint side still has some weight in the soft map. Search: centre within
    16 % of the radius and radius within 16 %, coarse then fine. A circle with no ink at all along more than
    ``1 - min_cover`` of it is not taken (a cross-page slice, a seal cut by the page edge: the rest is not there).
    """
    long, short = max(fit.a, fit.b), min(fit.a, fit.b)
    if fit.kind != "ellipse" or long > 1.7 * short:
        return None
    base = float(ring_scores(weight, [fit.cx], [fit.cy], [fit.a], [fit.b], fit.angle, band)[0])
    starts = []  # (cx, cy, r, the score the circle must reach)
    if long <= max_aspect * short:
        # an outline already oval (a printed supervision or invoice seal) must be clearly worse than the circle, and
        # no better than the oval as it sits best on the ring (:func:`refine_ellipse`): a contour fit a little off
        # the ring (a photographed supervision oval under the red title it joins) scores low, and the circle
        # inscribed in it, touching its top and bottom and crossing the title, beat it (0.53 against 0.31; the oval
        # refined: 0.91). The refined oval is no bar raised by a margin: a partial impression's circle (0.55) only
        # matches its refined oval (0.51), and it is round.
        # A nearly round fit (axes under ``oval_aspect`` apart) is taken for a circle unless the ellipse sits clearly
        # better on the ring, by SLANT_MARGIN: a round seal photographed at a slant is an ellipse (axes 1.14 apart,
        # refined 0.83-0.88 against 0.56-0.59 for the best circle, whose band then cut through half the name).
        refined = refine_ellipse(weight, fit, band)[1]
        if long >= oval_aspect * short:
            need = max(base + 0.05, refined)
        else:
            need = max(base - 0.02, refined - SLANT_MARGIN)
        starts.append((fit.cx, fit.cy, (fit.a + fit.b) / 2, need))
    if long > 1.15 * short:
        # a round seal joined by something beside it (a name seal overlapping it): the circle at one end of the
        # region, kept only when it clearly sits on a ring where the ellipse does not (not one end of an oval)
        th = math.radians(fit.angle if fit.a >= fit.b else fit.angle + 90.0)
        for sign in (1.0, -1.0):
            shift = sign * (long - short)
            starts.append((fit.cx + shift * math.cos(th), fit.cy + shift * math.sin(th), short,
                           max(base + 0.3, 0.75)))
    best = None
    for x, y, r, need in starts:
        (cx, cy, rr), score = best_circle(weight, x, y, r, band)
        if score >= need and (best is None or score > best[0]) and _inked_share(weight, cx, cy, rr, band) >= min_cover:
            best = (score, cx, cy, rr)
    if best is None:
        return None
    return Fit("ellipse", best[1], best[2], best[3], best[3], 0.0, fit.support, fit.fill)


def _inked_share(weight: np.ndarray, cx: float, cy: float, r: float, band: float, n: int = 72) -> float:
    """Share of directions in which a ring of radius ``r`` has any ink at all (the faint side of a partial impression
    has a little; the paper beyond the cut edge of a cross-page slice has none)."""
    h, w = weight.shape
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    hit = np.zeros(n, bool)
    for d in (0.25 * band, 0.5 * band, 0.75 * band):
        pts = ellipse_points(cx, cy, r - d, r - d, 0.0, t)
        xi = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
        yi = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
        hit |= weight[yi, xi] > 0.02
    return float(hit.mean())


def _circle_steps(r0: float) -> tuple[tuple[float, int], ...]:
    """Grid steps of :func:`best_circle`: (step, half width in steps) per level, coarse to fine. The 16 % reach in
    steps of 8 %, then 4 %, then the pixel: 125 + 27 + 125 circles scored instead of the 729 + 125 of one grid in
    steps of 4 % (the ring search on pages without colour runs it a dozen times per page)."""
    return (max(1.0, 0.08 * r0), 2), (max(1.0, 0.04 * r0), 1), (1.0, 2)


def best_circle(weight: np.ndarray, cx: float, cy: float, r0: float,
                band: float) -> tuple[tuple[float, float, float], float]:
    """The circle with the best :func:`ring_scores` near (cx, cy, r0): centre within 16 % of the radius, radius
    within 16 %, coarse to fine (:func:`_circle_steps`), then to the pixel. Returns ((cx, cy, r), score)."""
    cur = np.array([cx, cy, r0], np.float64)
    for step, k in _circle_steps(r0):
        g = np.arange(-k, k + 1) * step
        xs, ys, rs = cur[0] + g, cur[1] + g, cur[2] + g
        rs = rs[np.abs(rs - r0) <= 0.2 * r0]
        s = circle_grid_scores(weight, xs, ys, rs, band)[0]
        i, j, m = np.unravel_index(int(np.argmax(s)), s.shape)
        cur = np.array([xs[i], ys[j], rs[m]])
    final = float(ring_scores(weight, [cur[0]], [cur[1]], [cur[2]], [cur[2]], 0.0, band)[0])
    return (float(cur[0]), float(cur[1]), float(cur[2])), final


def rect_score(weight: np.ndarray, fit: Fit, band: float, n: int = 160) -> float:
    """:func:`ring_scores` for a rectangle: mean ink across a border ``band`` wide just inside the outline, less half
    the ink just outside it."""
    h, w = weight.shape
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)

    def mean_ink(offsets) -> float:
        vals = []
        for d in offsets:
            pts = _rect_points(fit.cx, fit.cy, max(1.0, fit.a - d), max(1.0, fit.b - d), fit.angle, t)
            xi, yi = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            vals.append(np.where(ok, weight[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0.0))
        return float(np.mean(vals))

    return mean_ink((0.25 * band, 0.5 * band, 0.75 * band)) - 0.5 * mean_ink((-0.8 * band, -1.6 * band))


def find_rings(ink: np.ndarray, min_r: float, max_r: float, band: float, min_score: float,
               max_candidates: int = 40, more: tuple[int, float] | None = None) -> list[Fit]:
    """Circles drawn as rings in an ink map (``ink`` in [0, 1], e.g. every dark pixel of a greyscale or fax page):
    Hough candidates between ``min_r`` and ``max_r``, each moved to the best position within a pixel or two, kept
    when their :func:`ring_scores` reach ``min_score``, strongest first, without near-duplicates. ``support`` of the
    returned fits holds the score.

    Print makes few rings: a circle through lines of text or a table crosses ink along a fifth to a third of its
    length (scores up to ~0.3), while a seal's ring is inked most of the way round even where print crosses it.
    ``more = (n, score)``: ``n`` further Hough candidates are looked at, kept only at ``score`` (on a page dense with
    print a seal's ring can rank late, and the more circles through print are tried, the higher the best of them).
    """
    img = np.clip(ink * 255.0, 0, 255).astype(np.uint8)
    blur = cv2.GaussianBlur(img, (0, 0), 3.0)
    found = cv2.HoughCircles(blur, cv2.HOUGH_GRADIENT, dp=1.0, minDist=max(4.0, 0.8 * min_r), param1=80,
                             param2=max(10, int(0.42 * min_r)), minRadius=int(min_r), maxRadius=int(max_r) + 1)
    if found is None:
        return []
    cands = found[0][:max_candidates + (more[0] if more else 0)].astype(np.float64)
    # Hough's radius is often short by a ring's width or more (the ring's inner edge, the text inside it)
    step = np.arange(-1, 2) * max(1.0, 0.5 * band)
    grow = np.arange(-1, 5) * max(1.0, band)
    d = np.stack(np.meshgrid(step, step, grow, indexing="ij"), axis=-1).reshape(-1, 3)
    # every candidate with every small move of centre and radius, scored together
    pts = (cands[:, None, :] + d[None, :, :]).reshape(-1, 3)
    pts[:, 2] = np.clip(pts[:, 2], min_r, max_r)
    s = circle_grid_scores(ink, cands[:, :1] + step, cands[:, 1:2] + step,
                           np.clip(cands[:, 2:] + grow, min_r, max_r), band).reshape(len(cands), len(d))
    best = s.argmax(axis=1)
    # the promising ones are searched again more widely and to the pixel
    found_: list[tuple[float, tuple[float, float, float], bool]] = []  # score, circle, ranked late
    for k in np.argsort(-s.max(axis=1)):
        if s[k, best[k]] < 0.6 * min_score:
            break
        if k >= max_candidates and s[k, best[k]] < 0.8 * more[1]:
            continue
        c = pts[k * len(d) + best[k]]
        if any(math.hypot(c[0] - f[1][0], c[1] - f[1][1]) < 0.3 * c[2] for f in found_):
            continue
        circle, score = best_circle(ink, float(c[0]), float(c[1]), float(c[2]), band)
        found_.append((score, circle, bool(k >= max_candidates)))
    rings: list[Fit] = []
    for score, (cx, cy, r), late in sorted(found_, reverse=True):
        if score >= (more[1] if late else min_score) and all(math.hypot(cx - f.cx, cy - f.cy) > 0.6 * max(r, f.a) for f in rings):
            rings.append(Fit("ellipse", cx, cy, r, r, 0.0, score, 0.0))
    return rings


def refine_ellipse(weight: np.ndarray, fit: Fit, band: float, rounds: int = 4) -> tuple[Fit, float]:
    """The ellipse near ``fit`` whose outline sits best on a ring in a soft ink map, by coordinate descent on
    :func:`ring_scores` over centre, axes and angle (steps of 6 % of the radius and 8 degrees, halved each round).
    For a seal whose contour fit was spoiled by print touching it (an oval bank seal on a red rule). Returns the fit
    (``support`` unchanged) and its score."""
    p = np.array([fit.cx, fit.cy, fit.a, fit.b, fit.angle], np.float64)
    r = (fit.a + fit.b) / 2
    steps = np.array([0.06 * r, 0.06 * r, 0.06 * r, 0.06 * r, 8.0])

    def score(q: np.ndarray) -> np.ndarray:
        return ring_scores(weight, q[:, 0], q[:, 1], q[:, 2], q[:, 3], q[:, 4], band, n=72).astype(np.float64)

    best = float(score(p[None, :])[0])
    for _ in range(rounds):
        for k in range(5):
            q = np.repeat(p[None, :], 5, axis=0)
            q[:, k] += np.arange(-2, 3) * steps[k]
            q[:, 2:4] = np.maximum(q[:, 2:4], 2.0)
            s = score(q)
            j = int(np.argmax(s))
            if s[j] > best:
                best, p = float(s[j]), q[j]
        steps = steps / 2
    return Fit("ellipse", float(p[0]), float(p[1]), float(p[2]), float(p[3]), float(p[4]), fit.support, fit.fill), best


def outside_all(x: np.ndarray, y: np.ndarray, exclude: tuple[Fit, ...], grow: float) -> np.ndarray:
    """True where points lie outside every ellipse of ``exclude`` grown by ``grow`` pixels."""
    ok = np.ones(np.shape(x), bool)
    for f in exclude:
        th = math.radians(f.angle)
        dx, dy = x - f.cx, y - f.cy
        u, v = dx * math.cos(th) + dy * math.sin(th), -dx * math.sin(th) + dy * math.cos(th)
        ok &= (u / (f.a + grow)) ** 2 + (v / (f.b + grow)) ** 2 > 1.0
    return ok


def border_scores(weight: np.ndarray, cx: np.ndarray, cy: np.ndarray, half: np.ndarray, angle: float | np.ndarray,
                  band: float, exclude: tuple[Fit, ...] = (), n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rect_score` for many squares of one ``angle``, or one each (centres ``cx, cy``, half sides ``half``),
    counting only the stretches of border that lie outside the ellipses of ``exclude`` (a seal the square overlaps:
    its ring and text there say nothing about the square's border). Returns (scores, share of the border counted)."""
    h, w = weight.shape
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    k = 1.0 / np.maximum(np.abs(c), np.abs(s))  # unit square outline along directions t
    ux, uy = (k * c)[None, :], (k * s)[None, :]
    angles = [math.radians(v) for v in np.asarray(angle, np.float64).reshape(-1).tolist()]
    if len(angles) == 1:
        cos_th, sin_th = math.cos(angles[0]), math.sin(angles[0])
    else:  # one per square (N, 1), as math gives them for one
        cos_th, sin_th = (np.array([[f(th)] for th in angles]) for f in (math.cos, math.sin))
    cx, cy, half = (np.asarray(v, np.float64)[:, None] for v in (cx, cy, half))

    def sample(d: float) -> tuple[np.ndarray, np.ndarray]:
        hh = np.maximum(1.0, half - d)
        x, y = hh * ux, hh * uy
        px, py = cx + x * cos_th - y * sin_th, cy + x * sin_th + y * cos_th
        xi, yi = np.round(px).astype(np.int64), np.round(py).astype(np.int64)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        ink = np.where(ok, weight[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0.0)
        return ink, outside_all(px, py, exclude, 0.5 * band)

    inner = [sample(d) for d in (0.25 * band, 0.5 * band, 0.75 * band)]
    outer = [sample(d) for d in (-0.8 * band, -1.6 * band)]
    valid = np.logical_and.reduce([o for _, o in inner + outer])
    share = valid.mean(axis=1)
    cnt = np.maximum(1, valid.sum(axis=1))
    mean_in = sum(np.where(valid, v, 0.0).sum(axis=1) for v, _ in inner) / (3 * cnt)
    mean_out = sum(np.where(valid, v, 0.0).sum(axis=1) for v, _ in outer) / (2 * cnt)
    return mean_in - 0.5 * mean_out, share


def find_square(weight: np.ndarray, pts: np.ndarray, exclude: tuple[Fit, ...], band: float, min_side: float,
                max_side: float, min_share: float = 0.3) -> tuple[Fit, float] | None:
    """The square whose border sits best on the ink of ``weight`` where part of it is hidden in another seal
    (``exclude``): a personal name seal stamped across the rim of a company seal. ``pts`` (n, 2) is the ink left over
    once the other seal is explained (the square's part outside it). Searched over the angle of the leftover ink's
    min-area rectangle and upright, then sides from the leftover's extent to ``max_side``, each square either holding
    the leftover in its middle or anchored at its far edges (the rest of the square lies under the other seal); then
    refined by coordinate descent. Scored by :func:`border_scores` on the border outside ``exclude`` (at least
    ``min_share`` of it). Returns (fit, score) or None; ``support`` of the fit holds the share counted."""
    if len(pts) < 10:
        return None
    (_, _), (_, _), ang = cv2.minAreaRect(pts.astype(np.float32))
    ang = ((ang + 45.0) % 90.0) - 45.0
    angles = sorted({0.0, round(ang, 1)})
    ref = exclude[0] if exclude else None
    best: tuple[float, float, float, float, float, float] | None = None  # score, share, cx, cy, half, angle
    for a in angles:
        th = math.radians(a)
        u = pts[:, 0] * math.cos(th) + pts[:, 1] * math.sin(th)
        v = -pts[:, 0] * math.sin(th) + pts[:, 1] * math.cos(th)
        u0, u1 = np.percentile(u, (1, 99))
        v0, v1 = np.percentile(v, (1, 99))
        if ref is not None:
            uc = ref.cx * math.cos(th) + ref.cy * math.sin(th)
            vc = -ref.cx * math.sin(th) + ref.cy * math.cos(th)
        else:
            uc, vc = (u0 + u1) / 2, (v0 + v1) / 2
        ext = max(u1 - u0, v1 - v0, min_side)
        sides = np.arange(ext, max_side + 1e-6, max(1.0, 0.04 * ext))
        cands = []
        for side in sides:
            for cu in _square_offsets(u0, u1, side, uc):
                for cv in _square_offsets(v0, v1, side, vc):
                    cands.append((cu, cv, side / 2))
        if not cands:
            continue
        c = np.array(cands)
        cx, cy = c[:, 0] * math.cos(th) - c[:, 1] * math.sin(th), c[:, 0] * math.sin(th) + c[:, 1] * math.cos(th)
        score, share = border_scores(weight, cx, cy, c[:, 2], a, band, exclude)
        score = np.where(share >= min_share, score, -1.0)
        j = int(np.argmax(score))
        if best is None or score[j] > best[0]:
            best = (float(score[j]), float(share[j]), float(cx[j]), float(cy[j]), float(c[j, 2]), a)
    if best is None or best[0] <= -1.0:
        return None
    start = Fit("rect", best[2], best[3], best[4], best[4], best[5], best[1], 1.0)
    return refine_square(weight, start, best[0], band, exclude, min_side, max_side, min_share)


def refine_square(weight: np.ndarray, fit: Fit, score: float, band: float, exclude: tuple[Fit, ...], min_side: float,
                  max_side: float, min_share: float = 0.3, rounds: int = 3) -> tuple[Fit, float]:
    """A square near ``fit`` (whose :func:`border_scores` is ``score``) moved to where its border sits best on the ink
    of ``weight``: coordinate descent over centre, half side and angle (steps of 5 %, 5 %, 4 % of the half side and 2
    degrees, halved each round), sides kept within [min_side, max_side], at least ``min_share`` of the border
    counted (outside ``exclude``). Returns (fit, score); ``support`` of the fit holds the share counted."""
    p = np.array([fit.cx, fit.cy, fit.a, fit.angle], np.float64)
    steps = np.array([0.05 * p[2], 0.05 * p[2], 0.04 * p[2], 2.0])
    share = fit.support
    for _ in range(rounds):
        for k in range(4):
            q = np.repeat(p[None, :], 5, axis=0)
            q[:, k] += np.arange(-2, 3) * steps[k]
            q[:, 2] = np.clip(q[:, 2], min_side / 2, max_side / 2)
            s, sh = border_scores(weight, q[:, 0], q[:, 1], q[:, 2], q[:, 3] if k == 3 else float(p[3]), band,
                                  exclude)
            s = np.where(sh >= min_share, s, -1.0)
            j = int(np.argmax(s))
            if s[j] > score:
                score, share, p = float(s[j]), float(sh[j]), q[j]
        steps = steps / 2
    return Fit("rect", float(p[0]), float(p[1]), float(p[2]), float(p[2]), float(p[3]), share, 1.0), score


# find_square also anchors the square at the leftover's edge nearest the other seal (see _square_offsets).
SQUARE_NEAR_ANCHOR = True


def _square_offsets(lo: float, hi: float, side: float, ref: float) -> list[float]:
    """Centres along one axis of a square of ``side`` holding the leftover ink [lo, hi]: the middle, anchored at the
    edge away from the other seal's centre ``ref`` (the rest of the square hidden under it), or anchored at the edge
    nearest it (a square beside the other seal whose far side is too faint for the mask: a pale name seal on a
    scanned contract)."""
    if hi - lo >= 0.9 * side:
        return [(lo + hi) / 2]
    out = [(lo + hi) / 2]
    if ref <= (lo + hi) / 2:
        out.append(hi - side / 2)
    if ref >= (lo + hi) / 2:
        out.append(lo + side / 2)
    if SQUARE_NEAR_ANCHOR:
        out.append(lo + side / 2 if ref <= (lo + hi) / 2 else hi - side / 2)
    return out


def oval_near(ink: np.ndarray, ring: Fit, band: float, angles: tuple[float, ...] = (-30, -20, -10, 0, 10, 20, 30),
              ratios: tuple[float, ...] = (1.25, 1.4, 1.55)) -> tuple[Fit, float]:
    """The oval (an invoice, supervision or bank seal, 4:3 to 3:2) whose outline sits best on ``ink`` near a circle
    found by :func:`find_rings`: on a page without colour a circle matches one end of an oval, or the oval's
    middle. Grid over angle, axis ratio, short half axis (0.9-1.35 of the circle's radius) and the centre moved along
    the long axis, then :func:`refine_ellipse`. Returns (fit, :func:`ring_scores` score); ``support`` is the score."""
    r = ring.a
    short = np.array([0.9 * r, r, 1.1 * r, 1.2 * r, 1.35 * r])
    long = np.multiply.outer(np.asarray(ratios, np.float64), short)  # (ratio, short half axis)
    # the grid but the angle, flat: (ratio, short half axis, the centre's shift along the long axis)
    shift = (np.linspace(-1.0, 1.0, 5) * np.maximum(0.0, long - r)[..., None]).ravel()
    a, b = np.repeat(long.ravel(), 5), np.tile(np.repeat(short, 5), len(ratios))
    best = (-1.0, ring)
    for ang in angles:
        th = math.radians(ang)
        cx, cy = ring.cx + shift * math.cos(th), ring.cy + shift * math.sin(th)
        sc = ring_scores(ink, cx, cy, a, b, float(ang), band, n=72)
        j = int(np.argmax(sc))
        if sc[j] > best[0]:
            best = (float(sc[j]), Fit("ellipse", float(cx[j]), float(cy[j]), float(a[j]), float(b[j]), float(ang),
                                      0.0, 0.0))
    fit, score = refine_ellipse(ink, best[1], band, rounds=3)
    return Fit(fit.kind, fit.cx, fit.cy, fit.a, fit.b, fit.angle, score, 0.0), score


# oval_within's grid round a circle of radius r: centres within WITHIN_SHIFT x r of the circle's (5 x 5), long half
# axes WITHIN_LONG x r, axis ratios WITHIN_RATIOS, angles WITHIN_ANGLES; scored on the ink blurred by WITHIN_BLUR x
# the ring's width (so that a grid step off the ring still scores on it); the WITHIN_STARTS best refined on the
# blurred ink, and the best of those then on the ink. (One start: a greyscale supervision oval under a 150 dpi
# invoice's title, 0.75 where it lies, was missed for a smaller oval turned 30 degrees at 0.63, from the grid's best
# start; from its third it reaches 0.80.)
WITHIN_SHIFT = 0.5
WITHIN_LONG = (0.7, 0.85, 1.0)
WITHIN_RATIOS = (1.2, 1.33, 1.5)
WITHIN_ANGLES = (-10.0, 0.0, 10.0)
WITHIN_BLUR = 1.0
WITHIN_STARTS = 3


def within_grid(ring: Fit) -> tuple[np.ndarray, ...]:
    """:func:`oval_within`'s ovals round a circle: (cx, cy, a, b, angle) arrays."""
    r = ring.a
    off = np.linspace(-WITHIN_SHIFT, WITHIN_SHIFT, 5) * r
    dx, dy = (v.ravel() for v in np.meshgrid(off, off, indexing="ij"))
    long = np.asarray(WITHIN_LONG, np.float64) * r
    a = np.repeat(long, len(WITHIN_RATIOS))
    b = (long[:, None] / np.asarray(WITHIN_RATIOS, np.float64)[None, :]).ravel()
    per_angle = len(dx) * len(a)
    k = len(WITHIN_ANGLES)
    cx = np.tile(ring.cx + np.repeat(dx, len(a)), k)
    cy = np.tile(ring.cy + np.repeat(dy, len(a)), k)
    return (cx, cy, np.tile(np.tile(a, len(dx)), k), np.tile(np.tile(b, len(dx)), k),
            np.repeat(np.asarray(WITHIN_ANGLES, np.float64), per_angle))


def _compass(weight: np.ndarray, fit: Fit, band: float, rounds: int = 3) -> tuple[Fit, float]:
    """:func:`refine_ellipse`'s search with every move of a round scored in one call: the best of the 4 steps of
    each of the 5 coordinates is taken (one coordinate per move, twice per round), steps halved each round."""
    p = np.array([fit.cx, fit.cy, fit.a, fit.b, fit.angle], np.float64)
    r = (fit.a + fit.b) / 2
    steps = np.array([0.06 * r, 0.06 * r, 0.06 * r, 0.06 * r, 8.0])
    moves = np.zeros((20, 5))
    for k in range(5):
        moves[4 * k:4 * k + 4, k] = (-2, -1, 1, 2)

    def score(q: np.ndarray) -> np.ndarray:
        return ring_scores(weight, q[:, 0], q[:, 1], q[:, 2], q[:, 3], q[:, 4], band, n=72).astype(np.float64)

    best = float(score(p[None, :])[0])
    for _ in range(rounds):
        for _ in range(2):
            q = p[None, :] + moves * steps[None, :]
            q[:, 2:4] = np.maximum(q[:, 2:4], 2.0)
            s = score(q)
            j = int(np.argmax(s))
            if s[j] <= best:
                break
            best, p = float(s[j]), q[j]
        steps = steps / 2
    return Fit("ellipse", float(p[0]), float(p[1]), float(p[2]), float(p[3]), float(p[4]), fit.support, fit.fill), best


def oval_within(ink: np.ndarray, ring: Fit, band: float) -> tuple[Fit, float]:
    """The oval seal within a circle found by :func:`find_rings` (an invoice or supervision seal crossed by heavy
    print on a page without colour: a circle about as large as the oval's long axis, centred off it, is the best the
    ring search finds, 0.22-0.31, and the ovals of :func:`oval_near`, which start round the circle's own centre and
    size, do not reach it). The grid of WITHIN_* ovals scored on the ink round the circle blurred by WITHIN_BLUR x
    ``band``, the WITHIN_STARTS best refined on it, the best of them then on ``ink`` (:func:`_compass`). Returns
    (fit, :func:`ring_scores` score on ``ink``); ``support`` is the score."""
    r = ring.a
    margin = (WITHIN_SHIFT + max(WITHIN_LONG)) * r + 4 * WITHIN_BLUR * band  # every oval of the grid, and the blur's
    h, w = ink.shape
    x0, y0 = max(0, int(ring.cx - margin)), max(0, int(ring.cy - margin))
    x1, y1 = min(w, int(ring.cx + margin) + 1), min(h, int(ring.cy + margin) + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return ring, -1.0
    blurred = cv2.GaussianBlur(ink[y0:y1, x0:x1], (0, 0), WITHIN_BLUR * band)
    cx, cy, a, b, ang = within_grid(Fit(ring.kind, ring.cx - x0, ring.cy - y0, r, r, 0.0, 0.0, 0.0))
    grid = ring_scores(blurred, cx, cy, a, b, ang, band, n=24)
    refined = [_compass(blurred, Fit("ellipse", float(cx[j]), float(cy[j]), float(a[j]), float(b[j]), float(ang[j]),
                                     0.0, 0.0), band, rounds=3)
               for j in np.argsort(-grid, kind="stable")[:WITHIN_STARTS].tolist()]
    f = max(refined, key=lambda fs: fs[1])[0]
    f, score = _compass(ink, Fit("ellipse", f.cx + x0, f.cy + y0, f.a, f.b, f.angle, 0.0, 0.0), band, rounds=3)
    return Fit("ellipse", f.cx, f.cy, f.a, f.b, f.angle, score, 0.0), score


# slanted_ring starts from ellipses whose axes are SLANT_STARTS of the circle's radius, at 0, 45, 90 and 135 degrees:
# from a circle itself, refine_ellipse cannot turn (the angle of a circle changes nothing), and from one start it
# turns at most ~30 degrees. A round seal and a name seal joined on a photographed contract: the circle 0.48, the
# ellipse from (0.9, 1.0) 0.79 at the start nearest its tilt, 0.38-0.52 from the others. The same page turned upright
# by the pipeline (5.3 degrees): the ring search's circle is smaller (radius 50 work pixels, 57 before: it sits
# inside the ring on the name seal's side), and refine_ellipse from (0.9, 1.0) x 50 stops at 0.53; from (1.0, 1.1)
# it reaches 0.79.
SLANT_STARTS = ((0.9, 1.0), (1.0, 1.1))


def slanted_ring(weight: np.ndarray, ring: Fit, band: float) -> tuple[Fit, float]:
    """The ellipse that sits best on the ring near a circle (:func:`find_rings`): a round seal photographed at a
    slant is an ellipse, which a circle crosses on both of its long sides. :func:`refine_ellipse` from four
    ellipses round the circle (SLANT_STARTS). Returns (fit, :func:`ring_scores` score); ``support`` is the score."""
    best = (-1.0, ring)
    for (ka, kb), ang in itertools.product(SLANT_STARTS, (0.0, 45.0, 90.0, 135.0)):
        start = Fit("ellipse", ring.cx, ring.cy, ka * ring.a, kb * ring.a, ang, 0.0, 0.0)
        fit, score = refine_ellipse(weight, start, band)
        if score > best[0]:
            best = (score, fit)
    score, fit = best
    return Fit(fit.kind, fit.cx, fit.cy, fit.a, fit.b, fit.angle, score, 0.0), score


def fit_circle(pts: np.ndarray, tol: float, rounds: int = 8, min_keep: float = 0.5) -> tuple[Fit, float] | None:
    """The circle through points (n, 2) by least squares (the algebraic fit: x² + y² = 2·cx·x + 2·cy·y + c),
    refitted on the best three quarters of the points, then on those within ``tol`` pixels of it, until stable
    (points off the circle drop out: a character standing where the ring is faint). Returns (circle, share of the
    points kept) or None when fewer than ``min_keep`` of them (or 6) lie on one circle."""
    p = np.asarray(pts, np.float64).reshape(-1, 2)
    if len(p) < 6:
        return None
    use = np.ones(len(p), bool)
    cx = cy = r = 0.0
    for _ in range(rounds):
        if use.sum() < max(6, min_keep * len(p)):
            return None
        x, y = p[use, 0], p[use, 1]
        sol = np.linalg.lstsq(np.stack([x, y, np.ones_like(x)], axis=1), x * x + y * y, rcond=None)[0]
        cx, cy = sol[0] / 2, sol[1] / 2
        r2 = sol[2] + cx * cx + cy * cy
        if r2 <= 1.0:
            return None
        r = math.sqrt(r2)
        d = np.abs(np.hypot(p[:, 0] - cx, p[:, 1] - cy) - r)
        # off-ring points pull the first fits: trim to the best three quarters until the fit is within tol
        near = d <= max(tol, float(np.quantile(d[use], 0.75)))
        if (near == use).all():
            if (d[use] <= tol).all():
                break
            near = d <= tol
        use = near
    if use.sum() < max(6, min_keep * len(p)):
        return None
    return Fit("ellipse", float(cx), float(cy), float(r), float(r), 0.0, 0.0, 0.0), float(use.mean())


def ransac_circles(pts: np.ndarray, tol: float, min_r: float, max_r: float, min_keep: float, count: int,
                   trials: int = 400) -> list[Fit]:
    """Circles of ``min_r`` to ``max_r`` radius on which at least ``min_keep`` of the points (n, 2) lie (within
    ``tol``), most points first, up to ``count`` of them with centres apart by ``tol`` or more: circles through
    ``trials`` triples of the points (drawn with a fixed seed: the same points give the same circles), the most
    supported of them (no two within ``tol`` of each other, at most 3 x ``count``) refitted by :func:`fit_circle` on
    the points near them. For points of which many lie off the circle (a ring's arc lost, the
    text inside it standing in for it), where the least-squares fit of :func:`fit_circle` is pulled off."""
    p = np.asarray(pts, np.float64).reshape(-1, 2)
    if len(p) < 6:
        return []
    idx = np.random.default_rng(0).integers(0, len(p), size=(trials, 3))
    a, b, c = p[idx[:, 0]], p[idx[:, 1]], p[idx[:, 2]]
    d = 2 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    ok = np.abs(d) > 1e-6
    a, b, c, d = a[ok], b[ok], c[ok], d[ok]
    sa, sb, sc = (a * a).sum(1), (b * b).sum(1), (c * c).sum(1)
    cx = (sa * (b[:, 1] - c[:, 1]) + sb * (c[:, 1] - a[:, 1]) + sc * (a[:, 1] - b[:, 1])) / d
    cy = (sa * (c[:, 0] - b[:, 0]) + sb * (a[:, 0] - c[:, 0]) + sc * (b[:, 0] - a[:, 0])) / d
    r = np.hypot(a[:, 0] - cx, a[:, 1] - cy)
    good = (r >= min_r) & (r <= max_r)
    cx, cy, r = cx[good], cy[good], r[good]
    if not len(r):
        return []
    near = np.abs(np.hypot(p[None, :, 0] - cx[:, None], p[None, :, 1] - cy[:, None]) - r[:, None]) <= tol
    hits = near.sum(axis=1)
    out: list[Fit] = []
    tried: list[int] = []
    for j in np.argsort(-hits, kind="stable"):
        if hits[j] < min_keep * len(p) or len(out) >= count or len(tried) >= 3 * count:
            break
        if any(abs(cx[j] - cx[i]) < tol and abs(cy[j] - cy[i]) < tol and abs(r[j] - r[i]) < tol for i in tried):
            continue  # the same circle through other points: its refit is one already made
        tried.append(j)
        found = fit_circle(p[near[j]], tol, min_keep=0.9)
        if found is None:
            continue
        f = found[0]
        if min_r <= f.a <= max_r and all(math.hypot(f.cx - g.cx, f.cy - g.cy) >= tol for g in out):
            out.append(f)
    return out


def arc_scores(weight: np.ndarray, fit: Fit, band: float, n: int = 180) -> tuple[np.ndarray, np.ndarray]:
    """Per direction of an ellipse outline: (points (n, 2) on the outline, :func:`ring_scores`' measure there). For
    scoring only part of a ring (the arcs of a cross-page slice that lie on the page strip holding it)."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    inner, outer = _ring_ink(weight, fit.cx, fit.cy, fit.a, fit.b, fit.angle, band, t)
    return ellipse_points(fit.cx, fit.cy, fit.a, fit.b, fit.angle, t), inner[0] / 3 - 0.5 * (outer[0] / 2)


def longest_arc(weight: np.ndarray, fit: Fit, band: float, min_score: float = 0.3, gap: int = 2,
                n: int = 180) -> float:
    """The longest stretch of an ellipse outline inked without a break, as a share of its ``n`` directions: a
    direction is inked when :func:`arc_scores` there reaches ``min_score``; misses of up to ``gap`` directions in a
    row (a stroke of print crossing the ring, a speck lost by a fax threshold) do not break it. A seal's ring is one
    continuous curve, so even a partial impression keeps a long unbroken arc; a circle traced through print crosses
    ink in short pieces."""
    _, score = arc_scores(weight, fit, band, n)
    ok = score >= min_score
    if ok.all() or not ok.any():
        return float(ok.all())
    ok = np.roll(ok, -int(np.argmin(ok)))  # start at a miss, so no run wraps round the end...
    edges = np.flatnonzero(np.diff(np.r_[0, np.r_[ok, ok].astype(np.int8), 0]))  # ...and go round twice for the join
    starts, ends = edges[::2], edges[1::2]
    best, run_start = 0, starts[0]
    for k in range(len(starts)):
        if k and starts[k] - ends[k - 1] > gap:
            run_start = starts[k]
        best = max(best, int(ends[k] - run_start))
    return min(1.0, best / n)
