"""Pure geometry of seal regions: shape fitting, ring support, splitting overlapping rings, ellipse outlines.

All functions work on boolean/uint8 masks and point arrays in one pixel space; nothing here knows about pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


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


def ring_support(mask: np.ndarray, fit: Fit, band: float, n: int = 180) -> float:
    """Share of ``n`` directions in which ``mask`` holds ink within ``band`` pixels inside the fitted outline."""
    h, w = mask.shape
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    hits = np.zeros(n, bool)
    valid = np.zeros(n, bool)
    for d in np.linspace(-0.3 * band, band, 5):
        a, b = max(1.0, fit.a - d), max(1.0, fit.b - d)
        if fit.kind == "rect":
            pts = _rect_points(fit.cx, fit.cy, a, b, fit.angle, t)
        else:
            pts = ellipse_points(fit.cx, fit.cy, a, b, fit.angle, t)
        xi, yi = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        valid |= inside
        hits[inside] |= mask[yi[inside], xi[inside]] > 0
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
        f = _with_support(mask, f, band)
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
