"""The sheet of paper in a phone photo: its four corners, for the cross-page slices along its edges.

A scan's page fills the raster, so a cross-page seal's slice lies along the image's edges; a phone photo shows the
sheet on a desk, turned and in perspective, and the slice lies along the sheet's edges inside the frame.
:func:`paper_quad` finds the sheet: on a small blurred copy, the edges (Canny) and the frame's border cut the image
into regions; the sheet is the largest region, its holes (the print) filled, that is a quadrilateral and about as
bright as the brightest large region (the desk is darker; an invoice's table cells are as bright but smaller), with
darker surroundings (a table or frame printed on a scanned page is a bright quadrilateral on bright paper).
:func:`paper_view` turns the sheet upright (a perspective warp of any per-pixel map onto its rectangle) and says
which of its sides lie inside the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# The sheet is looked for on a copy PAPER_WORK_PX pixels long, blurred; a region is a candidate when it covers
# PAPER_MIN_AREA of the image and its median grey is within PAPER_BRIGHT_MARGIN of the brightest candidate's; its
# outline, holes filled, must fill its four-cornered polygon to within PAPER_FILL (a quadrilateral: a sheet in
# perspective). Canny thresholds are low: a white sheet on a light grey desk steps by 20-30 grey levels.
PAPER_WORK_PX = 500
PAPER_MIN_AREA = 0.1
PAPER_BRIGHT_MARGIN = 20.0
PAPER_FILL = (0.95, 1.05)
PAPER_CANNY = (15, 45)
# and what lies round the sheet (the desk) has a median grey PAPER_DESK_STEP or more below the sheet's: a table or a
# frame printed on a page is a bright quadrilateral too
PAPER_DESK_STEP = 15.0
# the region's outline runs inside the edge (the blur, the edge's width and its dilation): its sides are moved
# PAPER_OUTSET pixels (of the small copy) out
PAPER_OUTSET = 2.0
# a side of the sheet is inside the frame when its middle is PAPER_INSIDE_PX (pixels) or more from the image's
# border (a sheet whose corners touch the frame still has its sides inside it); along a side at the border the
# image's own edge is the sheet's
PAPER_INSIDE_PX = 4.0


def paper_quad(image: np.ndarray) -> np.ndarray | None:
    """Corners of the sheet of paper in ``image`` (BGR or grey), as a float32 array of (x, y) in image pixels in the
    order top-left, top-right, bottom-right, bottom-left; None when no region is a bright quadrilateral."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    s = min(1.0, PAPER_WORK_PX / max(grey.shape))
    small = cv2.resize(grey, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1.0 else grey
    small = cv2.GaussianBlur(small, (5, 5), 0)
    paper = float(np.percentile(small, 90))
    if all(float(np.median(side)) > paper - PAPER_DESK_STEP for side in (small[:3], small[-3:], small[:, :3],
                                                                         small[:, -3:])):
        return None  # the page runs to the frame's edge all round (a scan): no desk
    edges = cv2.Canny(small, *PAPER_CANNY)
    edges[0, :] = edges[-1, :] = 255
    edges[:, 0] = edges[:, -1] = 255
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats((edges == 0).astype(np.uint8), connectivity=4)
    H, W = small.shape
    big = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= PAPER_MIN_AREA * H * W]
    if not big:
        return None
    medians = {i: float(np.median(small[labels == i])) for i in big}
    top = max(medians.values())
    best: tuple[float, np.ndarray] | None = None
    for i in big:
        if medians[i] < top - PAPER_BRIGHT_MARGIN:
            continue
        contours, _ = cv2.findContours((labels == i).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = max(contours, key=cv2.contourArea)
        quad = _four_corners(outline)
        if quad is None:
            continue
        area = cv2.contourArea(quad)
        filled = cv2.contourArea(outline)
        if area <= 0 or not PAPER_FILL[0] <= filled / area <= PAPER_FILL[1]:
            continue
        if best is None or area > best[0]:
            best = (area, quad)
    if best is None:
        return None
    outside = np.ones_like(small, np.uint8)
    cv2.fillConvexPoly(outside, best[1].reshape(-1, 2).astype(np.int32), 0)
    inside = small[outside == 0]
    if not outside.any() or float(np.median(small[outside > 0])) > float(np.median(inside)) - PAPER_DESK_STEP:
        return None  # what lies round it is as bright: a frame or table on the page, not a sheet on a desk
    quad = _grow(_order(best[1].reshape(4, 2).astype(np.float32)), PAPER_OUTSET)
    return (quad / s).astype(np.float32)


def _grow(quad: np.ndarray, d: float) -> np.ndarray:
    """The quadrilateral with each side moved ``d`` outward (the corners where the moved sides meet)."""
    centre = quad.mean(axis=0)
    lines = []
    for i in range(4):
        p, q = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        n = np.array([q[1] - p[1], p[0] - q[0]]) / max(1e-9, float(np.hypot(*(q - p))))
        if np.dot(n, p - centre) < 0:
            n = -n
        lines.append((n, float(np.dot(n, p)) + d))  # n . x = c
    out = []
    for i in range(4):
        (n1, c1), (n0, c0) = lines[i], lines[i - 1]
        a = np.array([n0, n1])
        if abs(np.linalg.det(a)) < 1e-9:
            return quad
        out.append(np.linalg.solve(a, [c0, c1]))
    return np.array(out, np.float32)


def _four_corners(outline: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(outline)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        quad = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(quad) == 4:
            return quad
    return None


def _order(pts: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left (by x + y and y - x)."""
    total, diff = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(total)], pts[np.argmin(diff)], pts[np.argmax(total)], pts[np.argmax(diff)]],
                    np.float32)


@dataclass(frozen=True)
class PaperView:
    """The sheet turned upright: ``to_image`` maps its (x, y) back to the image's; ``inside``: which of its sides
    ("top", "right", "bottom", "left") lie inside the frame."""

    size: tuple[int, int]  # width, height
    matrix: np.ndarray  # image -> upright sheet (3 x 3)
    inside: tuple[str, ...]

    def warp(self, a: np.ndarray) -> np.ndarray:
        """Any per-pixel map of the image (same size as the one the quad was found on) on the upright sheet; outside
        the image, 0."""
        return cv2.warpPerspective(a, self.matrix, self.size, flags=cv2.INTER_LINEAR, borderValue=0)

    def to_image(self, pts: np.ndarray) -> np.ndarray:
        return cv2.perspectiveTransform(np.asarray(pts, np.float64).reshape(-1, 1, 2),
                                        np.linalg.inv(self.matrix)).reshape(-1, 2)


def paper_view(quad: np.ndarray, shape: tuple[int, int]) -> PaperView | None:
    """The upright view of the sheet with corners ``quad`` (:func:`paper_quad`, in the pixels of an image of
    ``shape``), or None when none of its sides lies inside the frame (a scan: the sheet is the image)."""
    H, W = shape
    sides = {"top": (0, 1), "right": (1, 2), "bottom": (2, 3), "left": (3, 0)}
    mids = {name: (quad[i] + quad[j]) / 2 for name, (i, j) in sides.items()}
    inside = tuple(name for name, (x, y) in mids.items() if min(x, y, W - 1 - x, H - 1 - y) >= PAPER_INSIDE_PX)
    if not inside:
        return None
    tl, tr, br, bl = quad
    w = round(float(np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2)
    h = round(float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2)
    if w < 2 or h < 2:
        return None
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    return PaperView((w, h), cv2.getPerspectiveTransform(quad.astype(np.float32), dst), inside)
