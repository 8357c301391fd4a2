"""OFD geometry: affine matrices (``CTM="a b c d e f"``, as in PDF), ``Boundary`` boxes and path data
(``AbbreviatedData``: S/M move, L line, Q quadratic, B cubic, A elliptical arc, C close) flattened to polylines.

Units are millimetres, origin top-left, y down. An object's points map to its parent as ``boundary origin + CTM(p)``.
"""

from __future__ import annotations

import math
import re

import numpy as np

Affine = tuple[float, float, float, float, float, float]  # x' = a x + c y + e ; y' = b x + d y + f
IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CURVE_STEPS = 12


def numbers(text: str | None) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text or "")]


def box(text: str | None) -> tuple[float, float, float, float] | None:
    """``"x y w h"`` -> (x, y, w, h), or None when absent or malformed."""
    v = numbers(text)
    return (v[0], v[1], v[2], v[3]) if len(v) >= 4 else None


def ctm(text: str | None) -> Affine:
    v = numbers(text)
    return (v[0], v[1], v[2], v[3], v[4], v[5]) if len(v) == 6 else IDENTITY


def compose(outer: Affine, inner: Affine) -> Affine:
    """The matrix applying ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = outer
    A, B, C, D, E, F = inner
    return (a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D, a * E + c * F + e, b * E + d * F + f)


def translate(x: float, y: float) -> Affine:
    return (1.0, 0.0, 0.0, 1.0, x, y)


def scale(sx: float, sy: float | None = None) -> Affine:
    return (sx, 0.0, 0.0, sx if sy is None else sy, 0.0, 0.0)


def apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def apply_array(m: Affine, pts: np.ndarray) -> np.ndarray:
    a, b, c, d, e, f = m
    return np.stack([a * pts[:, 0] + c * pts[:, 1] + e, b * pts[:, 0] + d * pts[:, 1] + f], axis=1)


def linear_scale(m: Affine) -> float:
    """The mean length scale of ``m`` (square root of the absolute determinant)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def is_upright(m: Affine, tol: float = 1e-3) -> bool:
    """No rotation, shear or mirroring: x stays x and y stays y."""
    a, b, c, d = m[:4]
    return a > 0 and d > 0 and abs(b) <= tol * a and abs(c) <= tol * d


def _bezier(p0, p1, p2, p3, n: int = _CURVE_STEPS) -> list[tuple[float, float]]:
    out = []
    for i in range(1, n + 1):
        t = i / n
        u = 1 - t
        out.append((
            u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
            u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
        ))
    return out


def _quad(p0, p1, p2, n: int = _CURVE_STEPS) -> list[tuple[float, float]]:
    return [((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t * t * p2[0],
             (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t * t * p2[1]) for t in (i / n for i in range(1, n + 1))]


def _arc(p0, rx, ry, angle_deg, large, sweep, p1) -> list[tuple[float, float]]:
    """SVG-style endpoint arc, flattened (the OFD ``A`` operator has the same parameters)."""
    if rx == 0 or ry == 0 or p0 == p1:
        return [p1]
    phi = math.radians(angle_deg)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    dx, dy = (p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2
    x1p, y1p = cos_p * dx + sin_p * dy, -sin_p * dx + cos_p * dy
    rx, ry = abs(rx), abs(ry)
    lam = (x1p / rx) ** 2 + (y1p / ry) ** 2
    if lam > 1:
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p
    den = rx * rx * y1p * y1p + ry * ry * x1p * x1p
    coef = math.sqrt(max(0.0, num / den)) if den else 0.0
    if bool(large) == bool(sweep):
        coef = -coef
    cxp, cyp = coef * rx * y1p / ry, -coef * ry * x1p / rx
    cx = cos_p * cxp - sin_p * cyp + (p0[0] + p1[0]) / 2
    cy = sin_p * cxp + cos_p * cyp + (p0[1] + p1[1]) / 2

    def ang(ux, uy, vx, vy):
        a = math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)
        return a

    t1 = ang(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
    dt = ang((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
    if not sweep and dt > 0:
        dt -= 2 * math.pi
    elif sweep and dt < 0:
        dt += 2 * math.pi
    n = max(4, int(abs(dt) / (math.pi / 16)))
    out = []
    for i in range(1, n + 1):
        t = t1 + dt * i / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((cos_p * x - sin_p * y + cx, sin_p * x + cos_p * y + cy))
    out[-1] = p1
    return out


_ARITY = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def parse_path(data: str | None) -> list[tuple[np.ndarray, bool]]:
    """``AbbreviatedData`` -> [(points Nx2, closed)]. Unknown operators and short operand lists end the path."""
    tokens = re.findall(r"[A-Za-z]|" + _NUMBER.pattern, data or "")
    subpaths: list[tuple[list[tuple[float, float]], bool]] = []
    current: list[tuple[float, float]] = []
    start = pos = (0.0, 0.0)
    i = 0

    def flush(closed: bool) -> None:
        nonlocal current
        if len(current) > 1:
            subpaths.append((current, closed))
        current = []

    while i < len(tokens):
        op = tokens[i].upper()
        if op not in _ARITY:
            break
        n = _ARITY[op]
        try:
            v = [float(t) for t in tokens[i + 1 : i + 1 + n]]
        except ValueError:
            break
        if len(v) < n:
            break
        i += 1 + n
        if op in ("S", "M"):
            flush(False)
            start = pos = (v[0], v[1])
            current = [pos]
            continue
        if not current:
            current = [pos]
        if op == "L":
            pos = (v[0], v[1])
            current.append(pos)
        elif op == "Q":
            current.extend(_quad(pos, (v[0], v[1]), (v[2], v[3])))
            pos = (v[2], v[3])
        elif op == "B":
            current.extend(_bezier(pos, (v[0], v[1]), (v[2], v[3]), (v[4], v[5])))
            pos = (v[4], v[5])
        elif op == "A":
            end = (v[5], v[6])
            current.extend(_arc(pos, v[0], v[1], v[2], v[3], v[4], end))
            pos = end
        elif op == "C":
            if current and current[-1] != start:
                current.append(start)
            flush(True)
            pos = start
    flush(False)
    return [(np.asarray(pts, dtype=np.float64), closed) for pts, closed in subpaths]
