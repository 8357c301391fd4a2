"""OFD loader (GB/T 33190, the format of Chinese e-invoices).

An OFD file is a zip: ``OFD.xml`` -> DocBody -> DocRoot (``Document.xml``) -> pages (``Pages/Page_N/Content.xml``),
template pages, resources (fonts, images), annotations, signatures (with seal pictures), attachments
(``original_invoice.xml``) and custom tags (tag name -> TextObject IDs). :class:`OfdLoader` gives, per page:

- its text as :class:`TextLine` objects (``TextSource.ofd``; template text included; boxes from the glyph positions,
  millimetres converted to page pixels at ``config.dpi``), so OFD pages never need OCR;
- an image *drawn* from the vector content (text with a CJK system font, paths, images, annotation appearances and
  signature seal pictures), so seal detection can see the seals; ``kind`` is :attr:`PageKind.ofd`.

and, for the file, the embedded invoice data (see :mod:`pipeline.ingest.ofd.data`) and metadata. XML is parsed with
defusedxml (no DTDs, no entities); the zip is read under ``config.archive`` limits.
"""

from __future__ import annotations

import logging

import cv2
import PIL

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.base import LoadedFile, RasterPage
from pipeline.ingest.ofd import data as ofd_data
from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.document import PageContent, open_documents
from pipeline.ingest.ofd.fonts import FontBook
from pipeline.ingest.ofd.package import OfdPackage
from pipeline.ingest.ofd.render import render_page
from pipeline.ingest.ofd.text import assemble_lines
from pipeline.ingest.sniff import OFD
from pipeline.types import KeyValue, PageKind, SourceFile

__all__ = ["OfdLoader"]

log = logging.getLogger(__name__)

ENGINE = f"ofd; drawn with pillow {PIL.__version__} + opencv {cv2.__version__}"


class OfdLoader:
    name = "ofd"
    media_types = (OFD,)

    def __init__(self, font: str | None = None) -> None:
        """``font``: a CJK font file to draw text with (default: Noto CJK SC found on the system)."""
        self.fonts = FontBook(font)

    def __call__(self, data: bytes, source: SourceFile, config: IngestConfig) -> LoadedFile:
        if not data:
            raise InputError(source.id, "the file is empty")
        pkg = OfdPackage(data, source.id, config.archive)
        try:
            return self._load(pkg, source, config)
        except InputError:
            pkg.close()
            raise
        except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
            pkg.close()
            raise InputError(source.id, f"the OFD structure cannot be read ({type(exc).__name__}: {exc})") from exc

    def _load(self, pkg: OfdPackage, source: SourceFile, config: IngestConfig) -> LoadedFile:
        ofd_root, docs = open_documents(pkg)
        entries = [(doc, i) for doc in docs for i in range(len(doc.pages))]
        if not entries:
            raise InputError(source.id, "the OFD document has no pages")
        if len(entries) > config.max_pages_per_file:
            limit = config.max_pages_per_file
            raise InputError(source.id, f"the OFD has {len(entries)} pages, more than the limit of {limit}")

        px_per_mm = config.dpi / 25.4
        pages: list[tuple[tuple[float, float, float, float], PageContent]] = []
        for doc, i in entries:
            box = doc.page_box(i)
            pages.append((box, doc.content(i, g.translate(-box[0], -box[1]))))

        embedded, meta = [], []
        for d, (doc, body) in enumerate(zip(docs, ofd_root.findall("DocBody"))):
            contents = [c for (dd, _), (_, c) in zip(entries, pages) if dd is doc]
            by_page = {entry.page_id: c.texts for entry, c in zip(doc.pages, contents)}
            fallback: dict[str, str] = {}  # object ID -> text, for tags whose PageRef is missing or wrong
            for c in contents:
                fallback.update(c.template_texts)
            for c in contents:
                fallback.update(c.texts)
            atts, att_meta = ofd_data.attachments(doc)
            found = [ofd_data.custom_data(body), *ofd_data.custom_tags(doc, by_page, fallback), *atts]
            embedded.extend(e for e in found if e is not None)
            meta.extend(ofd_data.metadata(ofd_root, body, doc) if d == 0 else [])
            meta.extend(att_meta)
        if not self.fonts.available:
            meta.append(KeyValue(key="render_warning", value="no CJK font found: page images lack the CJK text"))

        fonts = self.fonts
        max_pixels = config.max_image_pixels

        def render(index: int) -> RasterPage:
            (x_mm, y_mm, w_mm, h_mm), content = pages[index]
            doc, i = entries[index]
            page_id = doc.pages[i].page_id
            stamps = tuple((((sx - x_mm) * px_per_mm, (sy - y_mm) * px_per_mm, (sx + sw - x_mm) * px_per_mm,
                             (sy + sh - y_mm) * px_per_mm), s.name)
                           for s in doc.stamps if s.page_id == page_id for sx, sy, sw, sh in (s.boundary,))
            width, height = max(1, round(w_mm * px_per_mm)), max(1, round(h_mm * px_per_mm))
            lines = assemble_lines(content.text_runs, g.scale(px_per_mm), (width, height), ofd_data.PROVENANCE)
            drawable = width * height <= max_pixels

            def load_image():
                try:
                    image, failed = render_page(content.drawables, width, height, px_per_mm, fonts)
                    if failed:  # the text comes from the XML either way; the picture lacks these objects
                        log.warning("%s page %d: %d objects could not be drawn", source.id, index + 1, failed)
                    return image
                except (MemoryError, ValueError, cv2.error) as exc:  # objects that fail are skipped inside
                    raise InputError(source.id, f"page {index + 1} cannot be drawn ({exc})") from exc

            return RasterPage(
                file_id=source.id,
                index=index,
                width=width,
                height=height,
                dpi=float(config.dpi),
                kind=PageKind.ofd,
                image_loader=load_image if drawable else None,
                lines=lines,
                engine=ENGINE,
                stamps=stamps,
            )

        return LoadedFile(
            source=source,
            page_count=len(pages),
            render=render,
            metadata=tuple(meta),
            embedded=tuple(embedded),
            close=pkg.close,
        )
