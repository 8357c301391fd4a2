"""A page laid out once in PDF points (1/72 inch, origin top-left) and drawn by two backends: a raster (PIL, any dpi)
and a digital PDF page (pymupdf, with a text layer). Text boxes are known at layout time, so the ground truth of a
field does not depend on the backend.

A text box is the em box of the run: [x, top, x + advance, top + size]. Seals are recorded as :class:`SealOp` and
drawn by the renderer (ink multiplied onto a raster, or an RGBA image in a PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from .fonts import get_font
from .seals import SealSpec

A4 = (595.28, 841.89)
BLACK = (20, 20, 20)
BASELINE = 0.88  # Noto CJK ideographic em box: 880/1000 above the baseline
_MEASURE_PX = 200


@dataclass(frozen=True)
class TextOp:
    x: float
    top: float
    text: str
    size: float
    family: str
    color: tuple[int, int, int]
    width: float  # advance width in pt (layout measure)


@dataclass(frozen=True)
class LineOp:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    color: tuple[int, int, int]


@dataclass(frozen=True)
class RectOp:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    color: tuple[int, int, int] | None
    fill: tuple[int, int, int] | None


@dataclass(frozen=True)
class ImageOp:
    x0: float
    y0: float
    x1: float
    y1: float
    rgba: np.ndarray  # HxWx4 uint8


@dataclass(frozen=True)
class SealOp:
    spec: SealSpec
    cx: float  # centre in pt (for a cross-page seal the renderer puts the kept strip at the right edge)
    cy: float
    seed: int  # the seal's own ink randomness
    keep: tuple[float, float] = (0.0, 1.0)  # horizontal slice of the seal kept (cross-page seal strips)
    cross_page: bool = False
    opacity: float = 0.92


def measure(text: str, size: float, family: str = "serif") -> float:
    return get_font(family, _MEASURE_PX).getlength(text) * size / _MEASURE_PX


@dataclass
class Canvas:
    width: float = A4[0]
    height: float = A4[1]
    ops: list = field(default_factory=list)
    seals: list[SealOp] = field(default_factory=list)
    boxes: dict[str, list[list[float]]] = field(default_factory=dict)  # field key -> em boxes in pt
    background: tuple[int, int, int] = (255, 255, 255)

    def text(self, x: float, top: float, text: str, size: float = 10.5, family: str = "serif",
             color: tuple[int, int, int] = BLACK, align: str = "l", key: str | None = None,
             max_width: float | None = None) -> list[float]:
        """Draw one line; ``align`` l/c/r relative to x; shrinks the size to fit ``max_width``. Returns its box."""
        w = measure(text, size, family)
        if max_width and w > max_width:
            size, w = size * max_width / w, max_width
        if align == "c":
            x -= w / 2
        elif align == "r":
            x -= w
        if text:
            self.ops.append(TextOp(x, top, text, size, family, color, w))
        box = [x, top, x + w, top + size]
        if key:
            self.boxes.setdefault(key, []).append(box)
        return box

    def mark(self, key: str, box: list[float]) -> None:
        self.boxes.setdefault(key, []).append(list(box))

    def wrap(self, x: float, top: float, text: str, width: float, size: float = 10.5, family: str = "serif",
             leading: float = 1.6, indent: float = 0.0, color=BLACK, spans: dict[str, str] | None = None) -> float:
        """A paragraph wrapped by characters; returns the top of the next line. ``spans`` maps a field key to a
        substring of ``text`` whose box(es) are recorded (split over lines if wrapped)."""
        lines, cur, cur_indent, start, starts = [], "", indent, 0, []
        for i, ch in enumerate(text):
            if cur and measure(cur + ch, size, family) > width - cur_indent and ch not in "，。；：、）》”%":
                lines.append((cur, cur_indent))
                starts.append(start)
                cur, cur_indent, start = "", 0.0, i
            cur += ch
        if cur:
            lines.append((cur, cur_indent))
            starts.append(start)
        y = top
        for (line, ind), st in zip(lines, starts):
            self.text(x + ind, y, line, size, family, color)
            for key, sub in (spans or {}).items():
                pos = text.find(sub)
                if pos < 0:
                    continue
                a, b = max(pos, st), min(pos + len(sub), st + len(line))
                if a < b:
                    x0 = x + ind + measure(line[: a - st], size, family)
                    self.mark(key, [x0, y, x0 + measure(line[a - st : b - st], size, family), y + size])
            y += size * leading
        return y

    def line(self, x0, y0, x1, y1, width: float = 0.6, color=BLACK) -> None:
        self.ops.append(LineOp(x0, y0, x1, y1, width, color))

    def rect(self, x0, y0, x1, y1, width: float = 0.6, color=BLACK, fill=None) -> None:
        self.ops.append(RectOp(x0, y0, x1, y1, width, color, fill))

    def image(self, x0, y0, x1, y1, rgba: np.ndarray) -> None:
        self.ops.append(ImageOp(x0, y0, x1, y1, rgba))

    def seal(self, spec: SealSpec, cx: float, cy: float, seed: int, **kw) -> None:
        self.seals.append(SealOp(spec, cx, cy, seed, **kw))


# ----------------------------------------------------------------------------------------------------------------------
# raster backend


def rasterize(canvas: Canvas, dpi: float) -> Image.Image:
    """The page without seals, RGB, at ``dpi``."""
    s = dpi / 72.0
    W, H = int(round(canvas.width * s)), int(round(canvas.height * s))
    img = Image.new("RGB", (W, H), canvas.background)
    d = ImageDraw.Draw(img)
    for op in canvas.ops:
        if isinstance(op, TextOp):
            font = get_font(op.family, max(1, round(op.size * s)))
            natural = font.getlength(op.text)
            target = op.width * s
            base = ((op.top + op.size * BASELINE) * s)
            if natural > 0 and abs(natural - target) > 1.5:
                # draw into a strip and squeeze it to the layout width (keeps backends in step)
                pad = int(op.size * s * 0.4) + 2
                strip = Image.new("L", (int(natural) + 2 * pad, int(op.size * s * 1.6) + 2 * pad), 0)
                ImageDraw.Draw(strip).text((pad, pad + op.size * s * 1.1), op.text, font=font, fill=255, anchor="ls")
                strip = strip.resize((max(1, int(round(target + 2 * pad * target / natural))), strip.height),
                                     Image.Resampling.LANCZOS)
                colour = Image.new("RGB", strip.size, op.color)
                img.paste(colour, (int(round(op.x * s - pad * target / natural)),
                                   int(round(base - pad - op.size * s * 1.1))), strip)
            else:
                d.text((op.x * s, base), op.text, font=font, fill=op.color, anchor="ls")
        elif isinstance(op, LineOp):
            d.line([(op.x0 * s, op.y0 * s), (op.x1 * s, op.y1 * s)], fill=op.color, width=max(1, round(op.width * s)))
        elif isinstance(op, RectOp):
            d.rectangle([op.x0 * s, op.y0 * s, op.x1 * s, op.y1 * s], outline=op.color, fill=op.fill,
                        width=max(1, round(op.width * s)) if op.color else 0)
        elif isinstance(op, ImageOp):
            w, h = max(1, round((op.x1 - op.x0) * s)), max(1, round((op.y1 - op.y0) * s))
            im = Image.fromarray(op.rgba, "RGBA").resize((w, h), Image.Resampling.NEAREST)
            img.paste(im, (round(op.x0 * s), round(op.y0 * s)), im)
    return img


# ----------------------------------------------------------------------------------------------------------------------
# PDF backend (text layer via the built-in CJK font; widths squeezed to the layout measure)


def _pdf_font(family: str, latin: bool) -> str:
    if latin:
        return "cour" if family.startswith("mono") else "helv" if family.startswith("sans") else "tiro"
    return "china-ss" if family.startswith(("sans", "mono")) else "china-s"


def _runs(text: str) -> list[tuple[str, bool]]:
    """Split into runs of Latin-1 (base-14 font) and other (CJK font) characters."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        latin = ord(ch) < 0x100
        if runs and runs[-1][1] == latin:
            runs[-1] = (runs[-1][0] + ch, latin)
        else:
            runs.append((ch, latin))
    return runs


def draw_pdf_page(doc, canvas: Canvas) -> object:
    import pymupdf

    page = doc.new_page(width=canvas.width, height=canvas.height)
    for op in canvas.ops:
        if isinstance(op, TextOp):
            total = measure(op.text, op.size, op.family)
            k = op.width / total if total > 0 else 1.0
            x = op.x
            for run, latin in _runs(op.text):
                target = measure(run, op.size, op.family) * k
                if run.strip():
                    fname = _pdf_font(op.family, latin)
                    # per character: the whole-string measure drops some Latin-1 glyphs (e.g. ¥) of base-14 fonts
                    natural = sum(pymupdf.get_text_length(ch, fontname=fname, fontsize=op.size) for ch in run)
                    base = pymupdf.Point(x, op.top + op.size * BASELINE)
                    sx = target / natural if natural > 0 else 1.0
                    page.insert_text(base, run, fontname=fname, fontsize=op.size,
                                     color=tuple(c / 255 for c in op.color), morph=(base, pymupdf.Matrix(sx, 1)))
                x += target
        elif isinstance(op, LineOp):
            page.draw_line((op.x0, op.y0), (op.x1, op.y1), color=tuple(c / 255 for c in op.color), width=op.width)
        elif isinstance(op, RectOp):
            page.draw_rect(pymupdf.Rect(op.x0, op.y0, op.x1, op.y1),
                           color=tuple(c / 255 for c in op.color) if op.color else None,
                           fill=tuple(c / 255 for c in op.fill) if op.fill else None, width=op.width)
        elif isinstance(op, ImageOp):
            page.insert_image(pymupdf.Rect(op.x0, op.y0, op.x1, op.y1), stream=png_bytes(op.rgba))
    return page


def png_bytes(rgba: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA" if rgba.shape[-1] == 4 else "RGB").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def fake_qr(rng: np.random.Generator, modules: int = 29) -> np.ndarray:
    """A QR-code look-alike (finder patterns + random modules), RGBA, 1 pixel per module."""
    m = (rng.random((modules, modules)) < 0.5)
    for ox, oy in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        m[oy:oy + 8 if oy == 0 else oy + 7, ox:ox + 8 if ox == 0 else ox + 7] = False
        m[oy:oy + 7, ox:ox + 7] = True
        m[oy + 1:oy + 6, ox + 1:ox + 6] = False
        m[oy + 2:oy + 5, ox + 2:ox + 5] = True
    out = np.zeros((modules, modules, 4), np.uint8)
    out[..., 3] = np.where(m, 255, 0)
    return out
