"""Drawing the seal faces (rings, star, text along arcs, square grids) as float masks in [0, 1]; the ink model and
the public API live in :mod:`scripts.synth.seals`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .fonts import get_font

if TYPE_CHECKING:
    from .seals import SealSpec


# ----------------------------------------------------------------------------------------------------------------------
# glyph and geometry helpers (all on a float32 mask in [0, 1], drawn at supersampled resolution)


def _glyph(ch: str, family: str, em: int, xscale: float = 1.0) -> np.ndarray:
    """One character in its em box (em x em*xscale), ink = 1."""
    font = get_font(family, em)
    size = int(em * 1.3)
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).text((size / 2, size / 2), ch, font=font, fill=255, anchor="mm")
    arr = np.asarray(img, dtype=np.float32) / 255.0
    if abs(xscale - 1.0) > 1e-3:
        arr = cv2.resize(arr, (max(1, int(round(size * xscale))), size), interpolation=cv2.INTER_AREA)
    return arr


def _paste_max(mask: np.ndarray, glyph: np.ndarray, cx: float, cy: float) -> None:
    gh, gw = glyph.shape
    x0 = int(round(cx - gw / 2))
    y0 = int(round(cy - gh / 2))
    H, W = mask.shape
    xs0, ys0 = max(0, x0), max(0, y0)
    xs1, ys1 = min(W, x0 + gw), min(H, y0 + gh)
    if xs1 <= xs0 or ys1 <= ys0:
        return
    sub = glyph[ys0 - y0 : ys1 - y0, xs0 - x0 : xs1 - x0]
    np.maximum(mask[ys0:ys1, xs0:xs1], sub, out=mask[ys0:ys1, xs0:xs1])


def rotate(img: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate counter-clockwise (visually) about the centre, expanding the canvas."""
    if abs(angle_deg) < 1e-3:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(math.ceil(h * sin + w * cos)), int(math.ceil(h * cos + w * sin))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=0)


def _ellipse_points(a: float, b: float, t0: float, t1: float, n: int) -> list[tuple[float, float, float]]:
    """n points evenly spaced by arc length on the ellipse (a, b) between parameters t0 -> t1 (radians, math
    orientation, y up). Returns (x, y_up, t)."""
    if n <= 0:
        return []
    ts = np.linspace(t0, t1, 2000)
    xs, ys = a * np.cos(ts), b * np.sin(ts)
    seg = np.hypot(np.diff(xs), np.diff(ys))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if n == 1:
        targets = np.array([cum[-1] / 2])
    else:
        targets = np.linspace(0, cum[-1], n)
    out = []
    for s in targets:
        i = int(np.clip(np.searchsorted(cum, s), 0, len(ts) - 1))
        out.append((float(xs[i]), float(ys[i]), float(ts[i])))
    return out


def _arc_text(mask: np.ndarray, text: str, cx: float, cy: float, a: float, b: float, span_deg: float,
              em: int, xscale: float, family: str, bottom: bool = False) -> None:
    """Characters centred on the ellipse (a, b) around (cx, cy): along the top (tops outward, left to right) or
    along the bottom (tops toward the centre, left to right)."""
    n = len(text)
    if n == 0:
        return
    half = math.radians(span_deg) / 2
    if bottom:
        t0, t1 = 1.5 * math.pi - half, 1.5 * math.pi + half
    else:
        t0, t1 = 0.5 * math.pi + half, 0.5 * math.pi - half
    for ch, (x, y, t) in zip(text, _ellipse_points(a, b, t0, t1, n)):
        if ch == " ":
            continue
        nx, ny = b * math.cos(t), a * math.sin(t)  # outward normal (y up)
        ang = math.degrees(math.atan2(ny, nx)) - 90.0
        if bottom:
            ang += 180.0
        g = rotate(_glyph(ch, family, em, xscale), ang)
        _paste_max(mask, g, cx + x, cy - y)


def _line_text(mask: np.ndarray, text: str, cx: float, cy: float, em: int, width: float | None, family: str,
               xscale: float = 1.0) -> None:
    """Characters in a horizontal line centred at (cx, cy), spread over ``width`` (or natural width)."""
    n = len(text)
    if n == 0:
        return
    step = width / n if width else em * xscale
    x = cx - step * (n - 1) / 2
    for ch in text:
        if ch != " ":
            _paste_max(mask, _glyph(ch, family, em, xscale), x, cy)
        x += step


def _star(mask: np.ndarray, cx: float, cy: float, r: float) -> None:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.382
        ang = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rr * math.cos(ang), cy + rr * math.sin(ang)))
    img = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    ImageDraw.Draw(img).polygon(pts, fill=255)
    np.maximum(mask, np.asarray(img, dtype=np.float32) / 255.0, out=mask)


def _ring(mask: np.ndarray, cx: float, cy: float, a: float, b: float, width: float) -> None:
    img = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    d = ImageDraw.Draw(img)
    d.ellipse([cx - a, cy - b, cx + a, cy + b], fill=255)
    d.ellipse([cx - a + width, cy - b + width, cx + a - width, cy + b - width], fill=0)
    np.maximum(mask, np.asarray(img, dtype=np.float32) / 255.0, out=mask)


def _fit_xscale(n: int, arc_len: float, em: float, lo: float = 0.45, hi: float = 0.95) -> float:
    if n == 0:
        return 1.0
    return float(np.clip(0.92 * arc_len / n / em, lo, hi))


def _ellipse_arc_len(a: float, b: float, span_deg: float) -> float:
    half = math.radians(span_deg) / 2
    pts = _ellipse_points(a, b, 0.5 * math.pi + half, 0.5 * math.pi - half, 2)
    ts = np.linspace(pts[0][2], pts[1][2], 400)
    return float(np.sum(np.hypot(np.diff(a * np.cos(ts)), np.diff(b * np.sin(ts)))))


# ----------------------------------------------------------------------------------------------------------------------
# layouts


def draw_round_or_oval(spec: SealSpec, W: int, H: int) -> np.ndarray:
    mask = np.zeros((H, W), np.float32)
    cx, cy = W / 2, H / 2
    margin = 0.02 * min(W, H)
    a, b = W / 2 - margin, H / 2 - margin
    R = min(a, b)
    title = spec.printed_title()
    t = spec.type
    name = spec.owner

    if t == "supervision":
        # double ring, 全国统一发票监制章 along the top, two horizontal lines inside
        _ring(mask, cx, cy, a, b, R * 0.075)
        inner = R * 0.12
        _ring(mask, cx, cy, a - inner, b - inner, R * 0.025)
        em = int(R * 0.24)
        ta, tb = a - inner - R * 0.06 - em / 2, b - inner - R * 0.06 - em / 2
        _arc_text(mask, title or "全国统一发票监制章", cx, cy, ta, tb, 150, em, 0.9, "serif")
        if name.startswith("国家税务总局") and not name.endswith("监制"):
            mid, low = "国家税务总局", name[len("国家税务总局"):]
        elif name.endswith("国家税务总局监制"):
            mid, low = "  ".join(name[: -len("国家税务总局监制")]), "国家税务总局监制"
        else:
            mid, low = name, ""
        em2 = int(R * 0.21)
        _line_text(mask, mid, cx, cy + R * 0.12, em2, None, "serif", 1.0)
        if low:
            if name.endswith("监制"):
                _arc_text(mask, low, cx, cy, ta, tb, 120, em2, 0.9, "serif", bottom=True)
            else:
                _line_text(mask, low, cx, cy + R * 0.52, em2, None, "serif", 1.0)
        return mask

    ring_w = R * (0.055 if t != "invoice" else 0.045)
    _ring(mask, cx, cy, a, b, ring_w)

    em = int(R * (0.30 if len(name) <= 12 else 0.27 if len(name) <= 15 else 0.24))
    gap = ring_w + R * 0.05
    ta, tb = a - gap - em / 2, b - gap - em / 2
    n = len(name)
    if spec.shape == "oval":
        span = float(np.clip(n * 16.0, 120, 230))
    else:
        hi = 280.0
        if title and t != "bank":
            hi = 225.0
        elif spec.code and t != "invoice":
            hi = 245.0
        span = float(np.clip(n * 21.0, 150, hi))
    xs = _fit_xscale(n, _ellipse_arc_len(ta, tb, span), em)
    _arc_text(mask, name, cx, cy, ta, tb, span, em, xs, "serif_bold")

    if spec.has_star():
        _star(mask, cx, cy - (0.0 if not title else R * 0.05), R * 0.32)

    if t == "invoice":
        code = spec.code or ""
        em_c = int(R * 0.20)
        if code:
            cw = 1.05 * a
            _line_text(mask, code, cx, cy + R * 0.02, em_c, cw, "sans", float(np.clip(cw / len(code) / em_c, 0.3, 0.6)))
        em_t = int(R * 0.24)
        _line_text(mask, title, cx, cy + b * 0.52, em_t, None, "serif_bold", 0.95)
        return mask

    if title:
        if t == "bank":
            em_t = int(R * 0.19)
            if spec.has_star():
                _line_text(mask, title, cx, cy + R * 0.45, em_t, None, "serif_bold", 0.85)
            else:
                half = (len(title) + 1) // 2
                _line_text(mask, title[:half], cx, cy - R * 0.05, em_t, None, "serif_bold", 0.9)
                _line_text(mask, title[half:], cx, cy + R * 0.22, em_t, None, "serif_bold", 0.9)
        else:
            em_t = int(R * 0.21)
            _line_text(mask, title, cx, cy + R * 0.50, em_t, None, "serif_bold", 0.85)

    if spec.code and t != "invoice":
        em_c = int(R * 0.12)
        cspan = float(np.clip(len(spec.code) * 5.8, 40, 80))
        ca, cb = a - ring_w - R * 0.03 - em_c / 2, b - ring_w - R * 0.03 - em_c / 2
        _arc_text(mask, spec.code, cx, cy, ca, cb, cspan, em_c, 0.75, "sans", bottom=True)
    return mask


def _name_seal_chars(name: str) -> str:
    if len(name) == 2:
        return name + "之印"
    if len(name) == 3:
        return name + "印"
    return name[:4]


def draw_square(spec: SealSpec, W: int, H: int) -> np.ndarray:
    mask = np.zeros((H, W), np.float32)
    border = 0.07 * min(W, H)
    img = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(img)
    m = 0.02 * min(W, H)
    if spec.negative:
        d.rectangle([m, m, W - m, H - m], fill=255)
    else:
        d.rectangle([m, m, W - m, H - m], outline=255, width=int(border))
    np.maximum(mask, np.asarray(img, dtype=np.float32) / 255.0, out=mask)
    x0, y0, x1, y1 = m + border * 1.3, m + border * 1.3, W - m - border * 1.3, H - m - border * 1.3
    if spec.code:
        strip = (y1 - y0) * 0.16
        em_c = int(strip * 0.95)
        _line_text(mask, spec.code, (x0 + x1) / 2, y1 - strip / 2, em_c, (x1 - x0) * 0.98, "sans_bold",
                   float(np.clip((x1 - x0) / len(spec.code) / em_c, 0.3, 0.7)))
        y1 -= strip * 1.15
    if spec.type == "legal_rep":
        chars = _name_seal_chars(spec.owner)
        cols, rows = 2, 2
    else:
        chars = spec.owner + spec.printed_title()
        cols = 3 if len(chars) > 8 else 2
        rows = math.ceil(len(chars) / cols)
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    em = int(min(cw, ch) * 1.02)
    xscale = float(np.clip(cw / ch, 0.5, 1.0)) if ch > cw else 1.0
    em = int(ch * 0.98) if ch <= cw else int(ch * 0.95)
    # traditional order: columns right to left, top to bottom
    for i, c in enumerate(chars):
        col, row = divmod(i, rows)
        gx = x1 - cw * (col + 0.5)
        gy = y0 + ch * (row + 0.5)
        g = _glyph(c, "serif_bold", em, xscale * min(1.0, cw / (em * xscale) if em * xscale > 0 else 1))
        if spec.negative:
            sub = np.zeros_like(mask)
            _paste_max(sub, g, gx, gy)
            mask = np.minimum(mask, 1.0 - sub)
        else:
            _paste_max(mask, g, gx, gy)
    return mask
