"""What every loader returns: a file opened into pages, each page rendered on demand.

A :class:`LoadedFile` does not hold page images: :meth:`LoadedFile.page` renders one page when asked, so a 500-page PDF
never sits in memory as rasters, and a digital page whose text layer suffices is never rasterised unless a later stage
(seal detection) asks for its image.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pipeline.config import IngestConfig
from pipeline.types import EmbeddedData, KeyValue, PageKind, SourceFile, TextLine


@dataclass(frozen=True, eq=False)
class RasterPage:
    """One page of a source file, upright, with its text where the file carries it (PDF text layer, OFD).

    ``image()`` returns the page raster (BGR uint8, ``height x width``) at ``dpi``, rendering it on first use and
    caching it on this object only (the object is per page and per run, never shared between requests).
    ``image_loader`` is None for a page that has no raster at all (an OFD page we could not draw).
    """

    file_id: str
    index: int
    width: int
    height: int
    dpi: float
    kind: PageKind
    image_loader: Callable[[], np.ndarray] | None
    lines: tuple[TextLine, ...] = ()
    rotation: int = 0
    skew: float = 0.0
    engine: str = ""  # what produced the page (pymupdf 1.24, pdf2image, pillow, ofd)
    # where a signed file's e-seals are drawn: (x0, y0, x1, y1) in page pixels and the e-seal's name (OFD signatures)
    stamps: tuple[tuple[tuple[float, float, float, float], str | None], ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def image(self) -> np.ndarray | None:
        if self.image_loader is None:
            return None
        with self._lock:
            if "image" not in self._cache:
                self._cache["image"] = self.image_loader()
            return self._cache["image"]

    @property
    def has_image(self) -> bool:
        return self.image_loader is not None


@dataclass(frozen=True)
class LoadedFile:
    """An opened source file: its metadata, embedded data and a way to get each page."""

    source: SourceFile
    page_count: int
    render: Callable[[int], RasterPage]
    metadata: tuple[KeyValue, ...] = ()
    embedded: tuple[EmbeddedData, ...] = ()
    close: Callable[[], None] = lambda: None

    def page(self, index: int) -> RasterPage:
        if not 0 <= index < self.page_count:
            raise IndexError(f"{self.source.id}: page {index} out of range (0..{self.page_count - 1})")
        return self.render(index)

    def pages(self):
        for i in range(self.page_count):
            yield self.page(i)


class Loader(Protocol):
    """Opens one file's bytes. Raises :class:`pipeline.errors.InputError` naming the file when it cannot."""

    name: str
    media_types: tuple[str, ...]

    def __call__(self, data: bytes, source: SourceFile, config: IngestConfig) -> LoadedFile: ...
