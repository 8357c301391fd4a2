"""Geometry of text lines shared by the OCR backends and the orientation stage: quadrilaterals, reading order, crops.

Pure functions on numpy arrays, tested without model weights (``tests/unit/test_ocr_postprocess.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

Quad = np.ndarray  # float32 (4, 2): top-left, top-right, bottom-right, bottom-left
BLANK_STD = 6.0  # a crop whose grey levels vary less than this holds no text


def order_quad(pts: np.ndarray) -> Quad:
    """Four points ordered clockwise from top-left."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def page_angle(quads: Sequence[Quad]) -> float:
    """The dominant text direction in radians (positive: lines fall to the right), from the long boxes' top edges."""
    angles, weights = [], []
    for q in quads:
        dx, dy = float(q[1, 0] - q[0, 0]), float(q[1, 1] - q[0, 1])
        height = float(np.linalg.norm(q[3] - q[0]))
        if dx > 3 * height > 0:
            angles.append(math.atan2(dy, dx))
            weights.append(dx)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])  # weighted median


def reading_order(quads: Sequence[Quad]) -> list[int]:
    """Indices of ``quads`` in reading order: lines top to bottom, boxes on one line left to right.

    Works in the frame of the page's dominant text direction, so a skewed scan keeps its lines together. Two boxes
    share a line when their vertical centres differ by less than half the smaller box height.
    """
    if not quads:
        return []
    angle = page_angle(quads)
    cos, sin = math.cos(angle), math.sin(angle)
    cx = [float(q[:, 0].mean()) for q in quads]
    cy = [float(q[:, 1].mean()) for q in quads]
    ry = [y * cos - x * sin for x, y in zip(cx, cy)]  # centres turned by -angle
    rx = [x * cos + y * sin for x, y in zip(cx, cy)]
    hh = [max(1.0, float(np.linalg.norm(q[3] - q[0]))) for q in quads]
    lines: list[list[int]] = []
    line_y: list[float] = []
    line_h: list[float] = []
    for i in sorted(range(len(quads)), key=lambda i: ry[i]):
        if lines and abs(ry[i] - line_y[-1]) < 0.5 * min(hh[i], line_h[-1]):
            lines[-1].append(i)
            line_y[-1] += (ry[i] - line_y[-1]) / len(lines[-1])
            continue
        lines.append([i])
        line_y.append(ry[i])
        line_h.append(hh[i])
    return [i for line in lines for i in sorted(line, key=lambda i: rx[i])]


def crop_quad(image: np.ndarray, quad: Quad) -> np.ndarray:
    """The text line inside ``quad``, straightened; axis-aligned boxes are sliced, others warped.

    A crop at least 1.5 times as tall as wide (vertical text) is turned 90 degrees counter-clockwise.
    """
    quad = np.asarray(quad, dtype=np.float32)
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    w, h = max(w, 1), max(h, 1)
    if quad[0, 1] == quad[1, 1] and quad[0, 0] == quad[3, 0] and quad[2, 1] == quad[3, 1]:
        x0, y0 = int(quad[0, 0]), int(quad[0, 1])
        crop = image[y0:y0 + h, x0:x0 + w]
    else:
        target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(quad, target)
        crop = cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if crop.shape[0] >= 1.5 * crop.shape[1]:
        crop = np.rot90(crop)
    return crop


def is_blank(crop: np.ndarray) -> bool:
    """Whether a crop is too small or too uniform to hold text."""
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return True
    return float(crop.std()) < BLANK_STD


def as_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"OCR expects a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"OCR expects an HxWx3 BGR image, got shape {image.shape}")
