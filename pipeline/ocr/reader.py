"""The page-reading stage: a :class:`RasterPage` in, a typed :class:`Page` with its text lines out.

Pages whose file carries their text (a PDF text layer judged usable, an OFD page) keep it and skip OCR. Every other
page is rasterised, turned upright (90/180/270 and small skew), optionally cleared of red seal ink, and OCR'd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.config import PipelineConfig, Settings
from pipeline.errors import StageError
from pipeline.ingest.base import RasterPage
from pipeline.ocr.base import OcrEngine, OcrLine, nfkc
from pipeline.types import BBox, Page, Provenance, TextLine, TextSource


@dataclass(frozen=True)
class ReadPage:
    """A typed page and the upright raster it was read from (None where no raster was needed), for later page stages."""

    page: Page
    image: np.ndarray | None


def to_text_lines(lines: list[OcrLine], provenance: Provenance) -> tuple[TextLine, ...]:
    out = []
    for line in lines:
        text = nfkc(line.text).strip()
        if not text:
            continue
        out.append(
            TextLine(
                text=text,
                bbox=BBox.from_points(line.points),
                confidence=min(1.0, max(0.0, float(line.score))),
                source=TextSource.ocr,
                provenance=provenance,
            )
        )
    return tuple(out)


class PageReader:
    """Built once with its engine; ``reader(raster_page)`` is safe to call from several threads."""

    def __init__(self, engine: OcrEngine, config: PipelineConfig | None = None, settings: Settings | None = None) -> None:
        self.engine = engine
        self.config = config or PipelineConfig()
        self.provenance = Provenance(stage="ocr", engine=engine.name, version=engine.version)
        self.orienter = None
        if self.config.ingest.orientation:
            from pipeline.ocr.orientation import Orienter

            self.orienter = Orienter(engine, max_skew=self.config.ingest.max_skew_degrees, settings=settings)

    def needs_ocr(self, raster: RasterPage) -> bool:
        return not raster.lines and raster.has_image

    def __call__(self, raster: RasterPage) -> ReadPage:
        common = dict(file_id=raster.file_id, index=raster.index, dpi=raster.dpi)
        if not self.needs_ocr(raster):
            page = Page(
                **common,
                width=raster.width,
                height=raster.height,
                kind=raster.kind,
                lines=raster.lines,
                provenance=Provenance(stage="ingest", engine=raster.engine),
            )
            return ReadPage(page=page, image=None)

        image = raster.image()
        if image is None or image.size == 0:
            raise StageError("ocr", "the page has no image to read", file=raster.file_id, page=raster.index)
        rotation, skew = raster.rotation, raster.skew
        if self.orienter is not None:
            oriented = self.orienter(image)
            image, rotation, skew = oriented.image, (rotation + oriented.rotation) % 360, oriented.skew
        ocr_input = image
        if self.config.ocr.suppress_red_ink:
            from pipeline.ocr.redink import suppress_red_ink

            ocr_input = suppress_red_ink(image)
        try:
            lines = to_text_lines(self.engine(ocr_input), self.provenance)
        except Exception as exc:  # an engine failure on one page must not take the file down
            raise StageError("ocr", f"{type(exc).__name__}: {exc}", file=raster.file_id, page=raster.index) from exc
        height, width = image.shape[:2]
        page = Page(
            **common,
            width=width,
            height=height,
            kind=raster.kind,
            rotation=rotation,
            skew=skew,
            lines=lines,
            ocr_confidence=(sum(line.confidence for line in lines) / len(lines)) if lines else None,
            provenance=self.provenance,
        )
        return ReadPage(page=page, image=image)
