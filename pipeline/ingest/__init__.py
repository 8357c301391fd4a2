"""Ingest: any evidence file in, pages out. :class:`Ingestor` picks the loader by the content's media type."""

from __future__ import annotations

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.archive import InputFile, collect, make_source
from pipeline.ingest.base import LoadedFile, Loader, RasterPage
from pipeline.ingest.sniff import IMAGE_TYPES, OFD, PDF, UNKNOWN, ZIP

__all__ = ["Ingestor", "InputFile", "LoadedFile", "RasterPage", "collect", "make_source"]


class Ingestor:
    """Built once per process with its loaders; ``ingestor(input_file)`` opens one file. Safe to share across threads
    (loaders keep per-file state only in the :class:`LoadedFile` they return)."""

    def __init__(self, config: IngestConfig | None = None, renderer: str = "pymupdf", cjk_font: str | None = None) -> None:
        from pipeline.ingest.image import ImageLoader
        from pipeline.ingest.ofd import OfdLoader
        from pipeline.ingest.pdf import PdfLoader

        self.config = config or IngestConfig()
        loaders: list[Loader] = [PdfLoader(renderer), OfdLoader(font=cjk_font), ImageLoader()]
        self.loaders: dict[str, Loader] = {mt: loader for loader in loaders for mt in loader.media_types}

    def __call__(self, item: InputFile) -> LoadedFile:
        source = item.source
        if source.size == 0:
            raise InputError(source.id, "the file is empty")
        if source.size > self.config.max_file_bytes:
            raise InputError(source.id, f"the file is {source.size} bytes, more than the limit of {self.config.max_file_bytes}")
        loader = self.loaders.get(source.media_type)
        if loader is None:
            what = "unrecognised content" if source.media_type == UNKNOWN else source.media_type
            if source.media_type == ZIP:
                what = "an archive nested too deep"
            raise InputError(
                source.id,
                f"unsupported file type ({what}); accepted: PDF, OFD, JPEG, PNG, TIFF, BMP, WebP, GIF and zip archives of them",
            )
        return loader(item.data, source, self.config)


SUPPORTED_MEDIA_TYPES = (PDF, OFD, *IMAGE_TYPES)
