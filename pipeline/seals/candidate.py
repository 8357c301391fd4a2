"""Seal candidates: what the seal detectors report, and the small helpers they share.

A :class:`Candidate` is a seal found on a page, in page pixels: its fitted outline, shape and box, and how sure the
detector is. Colour pages (:mod:`pipeline.seals.detect`), pages without colour (:mod:`pipeline.seals.colourless`)
and cross-page slices (:mod:`pipeline.seals.slices`) all report them; :class:`pipeline.seals.read.SealReader` and
:func:`pipeline.seals.classify.classify` take them. :func:`shape_of` names a fit's shape (round, oval, square or
other), :func:`inside_fit` tells which points lie inside a fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.config import SealConfig
from pipeline.seals.geometry import Fit
from pipeline.types import BBox, SealShape


@dataclass(frozen=True)
class Candidate:
    """A seal found on a page, in page pixels: its fitted outline, shape and how sure the detector is."""

    page: int
    shape: SealShape
    fit: Fit  # page pixels
    bbox: BBox  # bounding box of the visible region, with the fitted outline as polygon
    confidence: float
    colour: bool  # found from red ink; False: from ring structure on a greyscale page
    cross_page: bool = False
    edge: str | None = None  # "left" | "right" | "top" | "bottom" for a cross-page slice (of the photographed sheet)


def shape_of(f: Fit, cfg: SealConfig) -> SealShape:
    if f.kind == "rect":
        return SealShape.square if max(f.a, f.b) <= 1.35 * min(f.a, f.b) else SealShape.other
    ratio = max(f.a, f.b) / max(1e-6, min(f.a, f.b))
    return SealShape.round if ratio < cfg.oval_aspect else SealShape.oval


def inside_fit(f: Fit, x, y):
    """Whether points lie inside a fit (an ellipse, or a rectangle)."""
    th = math.radians(f.angle)
    u, v = (x - f.cx) * math.cos(th) + (y - f.cy) * math.sin(th), -(x - f.cx) * math.sin(th) + (y - f.cy) * math.cos(th)
    if f.kind == "rect":
        return (np.abs(u) <= f.a) & (np.abs(v) <= f.b)
    return (u / max(f.a, 1e-6)) ** 2 + (v / max(f.b, 1e-6)) ** 2 <= 1.0
