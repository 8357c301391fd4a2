"""Draw an OFD page's drawables on a white BGR raster: paths (fill even-odd, stroke, clip areas), text (each glyph at
its own position with a CJK font, any CTM) and images (any CTM, alpha; ``Darken``/``Multiply`` blending for seals).

Anti-aliased with OpenCV and Pillow. Each object is drawn on its own region of interest; one that fails to draw is
skipped and counted, the rest of the page is still drawn.
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.content import Drawable, ImagePlacement, PathShape, TextRun
from pipeline.ingest.ofd.fonts import FontBook

_MAX_IMAGE_PIXELS = 40_000_000
_SHIFT = 4  # sub-pixel bits for OpenCV drawing
_ONE = 1 << _SHIFT


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.img = np.full((height, width, 3), 255, np.uint8)
        self.w, self.h = width, height

    def roi(self, xs, ys, pad: float = 2.0) -> tuple[int, int, int, int] | None:
        x0, y0 = max(0, math.floor(min(xs) - pad)), max(0, math.floor(min(ys) - pad))
        x1, y1 = min(self.w, math.ceil(max(xs) + pad)), min(self.h, math.ceil(max(ys) + pad))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def blend(self, roi, alpha: np.ndarray, src, darken: bool = False) -> None:
        x0, y0, x1, y1 = roi
        region = self.img[y0:y1, x0:x1].astype(np.float32)
        src = np.broadcast_to(np.asarray(src, np.float32), region.shape)
        if darken:
            src = np.minimum(region, src)
        region += (src - region) * alpha[..., None]
        self.img[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)


def _bgr(rgb) -> tuple[float, float, float]:
    return float(rgb[2]), float(rgb[1]), float(rgb[0])


def _fixed(pts: np.ndarray, roi) -> np.ndarray:
    return np.round((pts - (roi[0], roi[1])) * _ONE).astype(np.int32)


def _clip_mask(clips, roi, k: float) -> np.ndarray | None:
    if not clips:
        return None
    h, w = roi[3] - roi[1], roi[2] - roi[0]
    mask = None
    for polys in clips:
        m = np.zeros((h, w), np.uint8)
        cv2.fillPoly(m, [_fixed(p * k, roi) for p in polys if len(p) > 2], 255, cv2.LINE_AA, _SHIFT)
        mask = m if mask is None else np.minimum(mask, m)
    if mask is None or not mask.any():  # a clip that hides everything is more likely misread than meant
        return None
    return mask.astype(np.float32) / 255.0


def _draw_path(canvas: _Canvas, p: PathShape, k: float) -> None:
    polys = [(pts * k, closed) for pts, closed in p.subpaths]
    lw = max(1, round(p.line_width * k))
    allpts = np.concatenate([pts for pts, _ in polys])
    roi = canvas.roi(allpts[:, 0], allpts[:, 1], pad=lw + 2)
    if roi is None:
        return
    h, w = roi[3] - roi[1], roi[2] - roi[0]
    clip = _clip_mask(p.clips, roi, k)
    if p.fill is not None:
        m = np.zeros((h, w), np.uint8)
        cv2.fillPoly(m, [_fixed(pts, roi) for pts, _ in polys if len(pts) > 2], 255, cv2.LINE_AA, _SHIFT)
        a = m.astype(np.float32) / 255.0 * p.alpha
        canvas.blend(roi, a if clip is None else a * clip, _bgr(p.fill))
    if p.stroke is not None:
        m = np.zeros((h, w), np.uint8)
        for want_closed in (True, False):
            sel = [_fixed(pts, roi) for pts, closed in polys if closed == want_closed]
            if sel:
                cv2.polylines(m, sel, want_closed, 255, lw, cv2.LINE_AA, _SHIFT)
        a = m.astype(np.float32) / 255.0 * p.alpha
        canvas.blend(roi, a if clip is None else a * clip, _bgr(p.stroke))


def _draw_text(canvas: _Canvas, run: TextRun, k: float, fonts: FontBook) -> None:
    if run.color is None or run.alpha <= 0:
        return
    full = g.compose(g.scale(k), run.matrix)
    size_px = run.size * g.linear_scale(full)
    if size_px < 1.0:
        return
    glyphs = [(ch, x, y) for ch, x, y, _ in run.glyphs if not ch.isspace()]
    if not glyphs:
        return
    font = fonts.get(run.family, size_px)
    if g.is_upright(full) and abs(full[0] - full[3]) <= 0.02 * full[0]:
        pts = [(ch, *g.apply(full, x, y)) for ch, x, y in glyphs]
        roi = canvas.roi([p[1] for p in pts] + [p[1] + 1.2 * size_px for p in pts],
                         [p[2] - 1.2 * size_px for p in pts] + [p[2] + 0.5 * size_px for p in pts])
        if roi is None:
            return
        mask = Image.new("L", (roi[2] - roi[0], roi[3] - roi[1]), 0)
        draw = ImageDraw.Draw(mask)
        for ch, px, py in pts:
            draw.text((px - roi[0], py - roi[1]), ch, font=font, fill=255, anchor="ls")
        a = np.asarray(mask, np.float32) / 255.0
    else:  # rotated, sheared or mirrored: draw upright in object space, then warp onto the page
        kk = size_px / run.size
        xs0 = min(x for _, x, _ in glyphs) - 0.2 * run.size
        xs1 = max(x for _, x, _ in glyphs) + 1.3 * run.size
        ys0 = min(y for _, _, y in glyphs) - 1.2 * run.size
        ys1 = max(y for _, _, y in glyphs) + 0.5 * run.size
        lw, lh = math.ceil((xs1 - xs0) * kk), math.ceil((ys1 - ys0) * kk)
        if lw * lh > 4 * canvas.w * canvas.h:
            return
        local = Image.new("L", (lw, lh), 0)
        draw = ImageDraw.Draw(local)
        for ch, x, y in glyphs:
            draw.text(((x - xs0) * kk, (y - ys0) * kk), ch, font=font, fill=255, anchor="ls")
        m = g.compose(full, g.compose(g.translate(xs0, ys0), g.scale(1 / kk)))
        corners = [g.apply(m, x, y) for x, y in ((0, 0), (lw, 0), (lw, lh), (0, lh))]
        roi = canvas.roi([c[0] for c in corners], [c[1] for c in corners])
        if roi is None:
            return
        w = g.compose(g.translate(-roi[0], -roi[1]), m)
        warped = cv2.warpAffine(np.asarray(local), np.array([[w[0], w[2], w[4]], [w[1], w[3], w[5]]]),
                                (roi[2] - roi[0], roi[3] - roi[1]), flags=cv2.INTER_LINEAR)
        a = warped.astype(np.float32) / 255.0
    canvas.blend(roi, a * run.alpha, _bgr(run.color))


def _decode(data: bytes) -> np.ndarray | None:
    """BGRA uint8, or None when the image cannot be read (JBIG2, corrupt, too large)."""
    try:
        im = Image.open(io.BytesIO(data))
        if im.width * im.height > _MAX_IMAGE_PIXELS:
            return None
        im.seek(0)
        has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info)
        arr = np.asarray(im.convert("RGBA" if has_alpha else "RGB"))
    except Exception:  # Pillow raises many types for unreadable images
        return None
    if arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA)


def _draw_image(canvas: _Canvas, im: ImagePlacement, k: float, cache: dict) -> None:
    if im.key not in cache:
        cache[im.key] = _decode(im.load())
    src = cache[im.key]
    if src is None:
        raise ValueError("image cannot be decoded (JBIG2, corrupt or too large)")
    h, w = src.shape[:2]
    full = g.compose(g.scale(k), g.compose(im.matrix, g.scale(1 / w, 1 / h)))
    sx, sy = math.hypot(full[0], full[1]), math.hypot(full[2], full[3])
    if sx < 0.7 or sy < 0.7:  # shrink first, area-averaged, so a big image does not alias
        nw, nh = max(1, round(w * sx)), max(1, round(h * sy))
        src = cv2.resize(src, (nw, nh), interpolation=cv2.INTER_AREA)
        full = g.compose(full, g.scale(w / nw, h / nh))
        h, w = nh, nw
    corners = [g.apply(full, x, y) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    roi = canvas.roi([c[0] for c in corners], [c[1] for c in corners])
    if roi is None:
        return
    m = g.compose(g.translate(-roi[0], -roi[1]), full)
    warped = cv2.warpAffine(src, np.array([[m[0], m[2], m[4]], [m[1], m[3], m[5]]]), (roi[2] - roi[0], roi[3] - roi[1]),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    a = warped[..., 3].astype(np.float32) / 255.0 * im.alpha
    clip = _clip_mask(im.clips, roi, k)
    canvas.blend(roi, a if clip is None else a * clip, warped[..., :3], darken=im.darken)


def render_page(
    drawables: list[Drawable], width: int, height: int, px_per_mm: float, fonts: FontBook
) -> tuple[np.ndarray, int]:
    """The page raster (BGR uint8, ``height x width``) and the number of objects that could not be drawn."""
    canvas = _Canvas(width, height)
    images: dict = {}
    failed = 0
    for d in drawables:
        try:
            if isinstance(d, TextRun):
                _draw_text(canvas, d, px_per_mm, fonts)
            elif isinstance(d, PathShape):
                _draw_path(canvas, d, px_per_mm)
            elif isinstance(d, ImagePlacement):
                _draw_image(canvas, d, px_per_mm, images)
        except Exception:  # noqa: BLE001 - one bad object (odd matrix, huge glyph, broken image) must not lose the page
            failed += 1
    return canvas.img, failed
