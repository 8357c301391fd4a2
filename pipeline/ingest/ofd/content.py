"""OFD page content -> a flat list of drawables in page millimetres: text runs, paths and image placements.

Covers what e-invoices use: layers (with their DrawParam), page blocks, composite objects, text objects (TextCode with
X/Y, DeltaX/DeltaY and ``g N v`` repeats, CTM, fill colour, alpha), path objects (AbbreviatedData, stroke/fill colours
and line width from the object, its DrawParam or the layer's, with ``Relative`` chains), image objects (CTM maps the
unit square) and clip areas made of paths. Embedded fonts and CGTransform glyph indices are ignored: text is drawn from
its Unicode code points with a CJK system font.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.package import OfdPackage, resolve

RGB = tuple[int, int, int]
_MAX_DEPTH = 16


@dataclass(frozen=True, eq=False)
class TextRun:
    """One TextCode: its glyphs ``(char, x, y, width)`` in object space and the matrix to page millimetres."""

    glyphs: tuple[tuple[str, float, float, float], ...]
    size: float
    matrix: g.Affine
    color: RGB | None  # None: the text is not filled (invisible)
    alpha: float
    family: str  # sans | serif | mono
    object_id: str | None

    @property
    def text(self) -> str:
        return "".join(ch for ch, *_ in self.glyphs)


@dataclass(frozen=True, eq=False)
class PathShape:
    subpaths: tuple[tuple[np.ndarray, bool], ...]  # page mm, closed?
    stroke: RGB | None
    fill: RGB | None
    line_width: float  # page mm
    alpha: float
    clips: tuple[tuple[np.ndarray, ...], ...] = ()  # intersection of unions of polygons, page mm


@dataclass(frozen=True, eq=False)
class ImagePlacement:
    load: Callable[[], bytes]
    key: str
    matrix: g.Affine  # unit square -> page mm
    alpha: float
    darken: bool
    clips: tuple[tuple[np.ndarray, ...], ...] = ()


Drawable = TextRun | PathShape | ImagePlacement


def char_width(ch: str) -> float:
    """Estimated advance in ems: CJK and full-width forms 1, everything else 0.5."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def _family(name: str) -> str:
    n = name.lower()
    if any(k in n for k in ("courier", "mono", "consol", "ocr")):
        return "mono"
    if any(k in name for k in "宋楷仿") or any(k in n for k in ("song", "kai", "fang", "serif", "times", "ming")):
        return "serif"
    return "sans"


@dataclass
class Resources:
    """Fonts, colour spaces, draw parameters, images and composite units of a document (and a page's own Res)."""

    fonts: dict[str, str] = field(default_factory=dict)  # id -> family
    color_spaces: dict[str, str] = field(default_factory=dict)  # id -> GRAY | RGB | CMYK
    draw_params: dict[str, ET.Element] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)  # id -> package path
    composites: dict[str, ET.Element] = field(default_factory=dict)

    def merged(self, other: "Resources") -> "Resources":
        return Resources(
            {**self.fonts, **other.fonts}, {**self.color_spaces, **other.color_spaces},
            {**self.draw_params, **other.draw_params}, {**self.media, **other.media},
            {**self.composites, **other.composites},
        )

    def load(self, pkg: OfdPackage, path: str | None) -> None:
        if path is None or pkg.find(path) is None:
            return
        root = pkg.xml(path, "resource file")
        base = root.get("BaseLoc") or ""
        for el in root.iter("ColorSpace"):
            self.color_spaces[el.get("ID", "")] = (el.get("Type") or "RGB").upper()
        for el in root.iter("DrawParam"):
            self.draw_params[el.get("ID", "")] = el
        for el in root.iter("Font"):
            self.fonts[el.get("ID", "")] = _family(f"{el.get('FontName', '')} {el.get('FamilyName', '')}")
        for el in root.iter("CompositeGraphicUnit"):
            self.composites[el.get("ID", "")] = el
        for el in root.iter("MultiMedia"):
            loc = (el.findtext("MediaFile") or "").strip()
            if not loc:
                continue
            cands = [resolve(path, loc if loc.startswith("/") else posixpath.join(base, loc)), resolve(path, loc)]
            found = next((c for c in cands if c and pkg.find(c)), None)
            if found is None:  # sloppy producers: look the file up by its name anywhere in the package
                name = posixpath.basename(loc).lower()
                found = next((n for n in pkg.names() if posixpath.basename(n).lower() == name), None)
            if found:
                self.media[el.get("ID", "")] = found


def _hex_or_float(tok: str) -> float:
    return float(int(tok[1:], 16)) if tok.startswith("#") else float(tok)


def parse_color(el: ET.Element | None, res: Resources) -> RGB | None:
    if el is None or el.get("Value") is None:
        return None
    try:
        v = [_hex_or_float(t) for t in el.get("Value", "").split()]
    except ValueError:
        return None
    kind = res.color_spaces.get(el.get("ColorSpace", ""), "")
    clip = lambda x: int(max(0, min(255, round(x))))  # noqa: E731
    if len(v) == 1 or kind == "GRAY":
        return (clip(v[0]),) * 3
    if len(v) >= 4 or kind == "CMYK":
        if len(v) < 4:
            return None
        c, m, y, k = (x / 255.0 for x in v[:4])
        return clip(255 * (1 - c) * (1 - k)), clip(255 * (1 - m) * (1 - k)), clip(255 * (1 - y) * (1 - k))
    if len(v) == 3:
        return clip(v[0]), clip(v[1]), clip(v[2])
    return None


@dataclass(frozen=True)
class _Style:
    line_width: float | None = None
    fill: ET.Element | None = None
    stroke: ET.Element | None = None

    def over(self, el: ET.Element | None) -> "_Style":
        """This style overridden by the attributes and colour children of ``el`` (a DrawParam or a graphic object)."""
        if el is None:
            return self
        lw = el.get("LineWidth")
        return _Style(
            float(lw) if lw and re.fullmatch(r"\s*[-+]?[\d.]+(?:[eE][-+]?\d+)?\s*", lw) else self.line_width,
            el.find("FillColor") if el.find("FillColor") is not None else self.fill,
            el.find("StrokeColor") if el.find("StrokeColor") is not None else self.stroke,
        )


def _param_style(res: Resources, param_id: str | None, base: _Style, depth: int = 0) -> _Style:
    el = res.draw_params.get(param_id or "")
    if el is None or depth > 8:
        return base
    parent = _param_style(res, el.get("Relative"), base, depth + 1)
    return parent.over(el)


def _deltas(text: str | None) -> list[float]:
    toks = (text or "").split()
    out: list[float] = []
    i = 0
    while i < len(toks):
        if toks[i] == "g" and i + 2 < len(toks):
            try:
                out.extend([float(toks[i + 2])] * min(int(toks[i + 1]), 10000))
            except ValueError:
                break
            i += 3
            continue
        try:
            out.append(float(toks[i]))
        except ValueError:
            break
        i += 1
    return out


def _code_text(el: ET.Element) -> str:
    text = el.text or ""
    if "\n" in text or "\r" in text or "\t" in text:  # pretty-printed XML: drop the indentation around line breaks
        text = re.sub(r"[ \t]*[\r\n\t]+[ \t]*", "", text)
    return text


def _flag(el: ET.Element, name: str, default: bool) -> bool:
    v = el.get(name)
    return default if v is None else v.strip().lower() not in ("false", "0")


class ContentParser:
    """Turns one page's (or template's, or annotation's) objects into drawables. Collects the text of each TextObject
    by ID for the custom tags."""

    def __init__(self, pkg: OfdPackage, res: Resources) -> None:
        self.pkg = pkg
        self.res = res
        self.texts: dict[str, str] = {}

    def block(self, el: ET.Element, matrix: g.Affine, style: _Style, out: list, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            return
        for obj in el:
            tag = obj.tag
            if tag not in ("TextObject", "PathObject", "ImageObject", "PageBlock", "CompositeObject", "Layer"):
                continue
            if not _flag(obj, "Visible", True):
                continue
            try:
                if tag in ("PageBlock", "Layer"):
                    self.block(obj, matrix, _param_style(self.res, obj.get("DrawParam"), style), out, depth + 1)
                    continue
                m = self._object_matrix(obj, matrix)
                if tag == "TextObject":
                    self._text(obj, m, style, out)
                elif tag == "PathObject":
                    self._path(obj, m, matrix, style, out)
                elif tag == "ImageObject":
                    self._image(obj, m, matrix, out)
                elif tag == "CompositeObject":
                    unit = self.res.composites.get(obj.get("ResourceID", ""))
                    content = unit.find("Content") if unit is not None else None
                    if content is not None:
                        self.block(content, m, style, out, depth + 1)
            except (ValueError, TypeError, IndexError, ZeroDivisionError):
                continue  # one malformed object does not spoil the page

    @staticmethod
    def _object_matrix(obj: ET.Element, parent: g.Affine) -> g.Affine:
        bnd = g.box(obj.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
        return g.compose(parent, g.compose(g.translate(bnd[0], bnd[1]), g.ctm(obj.get("CTM"))))

    def _clips(self, obj: ET.Element, parent: g.Affine) -> tuple[tuple[np.ndarray, ...], ...]:
        """Clip areas in page mm. Their paths sit in the object's boundary space, transformed by the object's CTM
        unless ``Clips TransFlag="false"`` (PDF converters put the area's own CTM on the Area then)."""
        clips = []
        bnd = g.box(obj.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
        with_ctm = g.compose(parent, g.compose(g.translate(bnd[0], bnd[1]), g.ctm(obj.get("CTM"))))
        without_ctm = g.compose(parent, g.translate(bnd[0], bnd[1]))
        for holder in obj.findall("Clips"):
            m = without_ctm if (holder.get("TransFlag") or "").strip().lower() == "false" else with_ctm
            for clip in holder.findall("Clip"):
                polys: list[np.ndarray] = []
                for area in clip.findall("Area"):
                    am = g.compose(m, g.ctm(area.get("CTM")))
                    for path in area.findall("Path"):
                        pb = g.box(path.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
                        pm = g.compose(am, g.compose(g.translate(pb[0], pb[1]), g.ctm(path.get("CTM"))))
                        shapes = g.parse_path(path.findtext("AbbreviatedData"))
                        polys.extend(g.apply_array(pm, pts) for pts, _ in shapes)
                if polys:
                    clips.append(tuple(polys))
        return tuple(clips)

    def _text(self, obj: ET.Element, m: g.Affine, style: _Style, out: list) -> None:
        size = float(obj.get("Size") or 0) or 3.5
        st = _param_style(self.res, obj.get("DrawParam"), style).over(obj)
        color = (parse_color(st.fill, self.res) or (0, 0, 0)) if _flag(obj, "Fill", True) else None
        alpha = float(obj.get("Alpha") or 255) / 255.0
        family = self.res.fonts.get(obj.get("Font", ""), "sans")
        x = y = 0.0
        texts = []
        for code in obj.findall("TextCode"):
            text = _code_text(code)
            x = float(code.get("X")) if code.get("X") is not None else x
            y = float(code.get("Y")) if code.get("Y") is not None else y
            dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
            vertical = bool(dy) and code.get("DeltaX") is None  # a column of glyphs: x does not advance
            glyphs = []
            for i, ch in enumerate(text):
                w = char_width(ch) * size
                glyphs.append((ch, x, y, w))
                x += dx[i] if i < len(dx) else (0.0 if vertical else w)
                y += dy[i] if i < len(dy) else 0.0
            if glyphs:
                texts.append(text)
                out.append(TextRun(tuple(glyphs), size, m, color, alpha, family, obj.get("ID")))
        if obj.get("ID") and texts:
            self.texts.setdefault(obj.get("ID"), "".join(texts))

    def _path(self, obj: ET.Element, m: g.Affine, parent: g.Affine, style: _Style, out: list) -> None:
        st = _param_style(self.res, obj.get("DrawParam"), style).over(obj)
        shapes = g.parse_path(obj.findtext("AbbreviatedData"))
        subpaths = tuple((g.apply_array(m, pts), closed) for pts, closed in shapes)
        if not subpaths:
            return
        stroke = (parse_color(st.stroke, self.res) or (0, 0, 0)) if _flag(obj, "Stroke", True) else None
        fill = parse_color(st.fill, self.res) if _flag(obj, "Fill", False) else None  # default fill: transparent
        if stroke is None and fill is None:
            return
        lw = (st.line_width if st.line_width is not None else 0.353) * g.linear_scale(m)
        alpha = float(obj.get("Alpha") or 255) / 255.0
        out.append(PathShape(subpaths, stroke, fill, lw, alpha, self._clips(obj, parent)))

    def _image(self, obj: ET.Element, m: g.Affine, parent: g.Affine, out: list) -> None:
        path = self.res.media.get(obj.get("ResourceID", ""))
        if path is None:
            return
        if obj.get("CTM") is None:  # no CTM: the image fills its boundary
            bnd = g.box(obj.get("Boundary")) or (0.0, 0.0, 1.0, 1.0)
            m = g.compose(m, g.scale(bnd[2], bnd[3]))
        pkg = self.pkg
        blend = (obj.get("BlendMode") or "").lower()
        out.append(ImagePlacement(lambda: pkg.read(path), f"{id(pkg)}:{path}", m,
                                  float(obj.get("Alpha") or 255) / 255.0, blend in ("darken", "multiply"),
                                  self._clips(obj, parent)))
