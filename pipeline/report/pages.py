"""Page images for a report: the upright raster of a page, in exactly the pixel space the report's boxes are in.

Boxes are in the page raster at ``Page.dpi`` after the reader turned it upright. The reader turned a scanned page by
``Page.rotation`` (clockwise) and removed ``Page.skew`` degrees of tilt in one ``warpAffine`` on an enlarged canvas
(:mod:`pipeline.ocr.orientation`); :func:`upright` reproduces that from the Page record alone, without detecting
anything again. A digital or OFD page is the loader's raster as it is.

:class:`PageImages` opens the submission's files again through an :class:`~pipeline.ingest.Ingestor` (built with the
settings of the run that made the report: the same PDF render resolution), archive members included. A file that is
missing, unreadable, or whose sha256 differs from the report's record yields None: the report still renders, saying
the image is unavailable.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import cv2
import numpy as np

from pipeline.config import ArchiveLimits
from pipeline.errors import PipelineError
from pipeline.ingest import Ingestor, InputFile, LoadedFile, make_source
from pipeline.ingest.archive import expand_zip
from pipeline.ocr.orientation import deskew_matrix, paper_fill, rotate_quarter, upright_matrix
from pipeline.types import Page, Report, SourceFile

log = logging.getLogger(__name__)

PAGE_CACHE = 8  # upright page rasters kept (an A4 page at 200 dpi is ~11 MB)


def upright(image: np.ndarray, rotation: int, skew: float, size: tuple[int, int]) -> np.ndarray:
    """The source raster turned ``rotation`` degrees clockwise and deskewed by ``skew`` degrees onto a canvas of
    ``size`` (width, height): the page's recorded size, so a skew rounded in the record cannot shift the canvas."""
    width, height = size
    if not skew:
        out = rotate_quarter(image, rotation)
    else:
        matrix = upright_matrix(image.shape[:2], rotation, skew)
        turned = image.shape[:2] if rotation in (0, 180) else image.shape[1::-1]
        canvas_h, canvas_w = deskew_matrix(turned, skew)[1]
        matrix[0, 2] += (width - canvas_w) / 2  # centre on the recorded canvas, as the reader's own canvas was
        matrix[1, 2] += (height - canvas_h) / 2
        out = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=paper_fill(image))
    if out.shape[:2] != (height, width):  # rendered at another resolution than the run's: scale into the box space
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
    return out


class PageImages:
    """``images(page) -> upright BGR raster | None``. Opened files are cached per file id and page rasters in a small
    LRU; safe to call from several threads. Call :meth:`close` (or use as a context manager) to free them."""

    def __init__(self, root: Path, ingest: Ingestor, sources: Iterable[SourceFile] = (),
                 limits: ArchiveLimits | None = None, cache_pages: int = PAGE_CACHE) -> None:
        self.root = Path(root)
        self.ingest = ingest
        self.limits = limits or ingest.config.archive
        self.sha256 = {s.id: s.sha256 for s in sources}
        self.cache_pages = cache_pages
        self._lock = threading.Lock()
        self._file_locks: dict[str, threading.Lock] = {}
        self._files: dict[str, LoadedFile | None] = {}
        self._archives: dict[str, dict[str, bytes]] = {}
        self._pages: OrderedDict[tuple[str, int], np.ndarray | None] = OrderedDict()

    @classmethod
    def for_report(cls, root: Path, report: Report, ingest: Ingestor | None = None) -> "PageImages":
        """Page images of ``report``'s submission under ``root``, checked against the report's file hashes."""
        return cls(root, ingest or Ingestor(), sources=report.submission.files)

    def __enter__(self) -> "PageImages":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            files, self._files = self._files, {}
            self._archives.clear()
            self._pages.clear()
        for loaded in files.values():
            if loaded is not None:
                loaded.close()

    def __call__(self, page: Page) -> np.ndarray | None:
        key = (page.file_id, page.index)
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        image = self._render(page)
        with self._lock:
            self._pages[key] = image
            while len(self._pages) > self.cache_pages:
                self._pages.popitem(last=False)
        return image

    # -- internals ------------------------------------------------------------------------------------------------
    def _render(self, page: Page) -> np.ndarray | None:
        loaded = self._file(page.file_id)
        if loaded is None or page.index >= loaded.page_count:
            return None
        try:
            raster = loaded.page(page.index)
            image = raster.image()
        except (PipelineError, OSError, RuntimeError, ValueError) as exc:
            log.warning("page %d of %s cannot be rendered for the report: %s", page.index, page.file_id, exc)
            return None
        if image is None or image.size == 0:
            return None
        if abs(raster.dpi - page.dpi) > 0.01 * page.dpi:  # rendered at another resolution: scale to the page's first
            f = page.dpi / raster.dpi
            image = cv2.resize(image, (max(1, round(image.shape[1] * f)), max(1, round(image.shape[0] * f))),
                               interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        rotation = (page.rotation - raster.rotation) % 360  # what the loader already turned is not turned again
        return upright(image, rotation, page.skew, (page.width, page.height))

    def _file(self, file_id: str) -> LoadedFile | None:
        with self._lock:
            if file_id in self._files:
                return self._files[file_id]
            lock = self._file_locks.setdefault(file_id, threading.Lock())
        with lock:
            with self._lock:
                if file_id in self._files:
                    return self._files[file_id]
            loaded = self._open(file_id)
            with self._lock:
                self._files[file_id] = loaded
            return loaded

    def _open(self, file_id: str) -> LoadedFile | None:
        data = self._read(file_id)
        if data is None:
            return None
        source = make_source(file_id, data)
        expected = self.sha256.get(file_id)
        if expected and expected != source.sha256:
            log.warning("%s has changed since the report was made (sha256 differs): no page images", file_id)
            return None
        try:
            return self.ingest(InputFile(source, data))
        except PipelineError as exc:
            log.warning("%s cannot be opened for the report: %s", file_id, exc)
            return None

    def _read(self, file_id: str) -> bytes | None:
        """The bytes of ``file_id``: a path relative to the root folder (or the root file's name), or a member of a zip
        archive under it (``archive.zip/inner/path``)."""
        parts = PurePosixPath(file_id).parts
        if not parts or ".." in parts or PurePosixPath(file_id).is_absolute():
            return None
        base = self.root if self.root.is_dir() else self.root.parent
        if self.root.is_file() and parts[0] != self.root.name:
            return None
        for k in range(1, len(parts) + 1):
            path = base.joinpath(*parts[:k])
            if path.is_dir():
                continue
            if not path.is_file():
                return None
            try:
                if k == len(parts):
                    return path.read_bytes()
                return self._members("/".join(parts[:k]), path).get(file_id)
            except (OSError, PipelineError) as exc:
                log.warning("%s cannot be read for the report: %s", file_id, exc)
                return None
        return None

    def _members(self, archive_id: str, path: Path) -> dict[str, bytes]:
        with self._lock:
            if archive_id in self._archives:
                return self._archives[archive_id]
        members = {f.source.id: f.data for f in expand_zip(archive_id, path.read_bytes(), self.limits)}
        with self._lock:
            self._archives[archive_id] = members
        return members
