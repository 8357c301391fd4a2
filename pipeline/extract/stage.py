"""Classification + extraction as one stage over an ingested file's :class:`Document` (what run.py wires in).

``DocumentStage()(document) -> list[Document]``: the file's pages split into typed documents (a PDF of 29 invoices ->
29; a scan of a contract and its acceptance -> 2), each with its fields and the tamper signals found on it, and its
seals' owners confirmed by the names it prints (seals/confirm.py)."""

from __future__ import annotations

from pipeline.classify import Classifier
from pipeline.config import SealConfig
from pipeline.extract.extractor import Extractor
from pipeline.seals.confirm import confirm_owners
from pipeline.types import Document, Provenance

PROVENANCE = Provenance(stage="extract", engine="classify+extract")


class DocumentStage:
    def __init__(self, classifier: Classifier | None = None, extractor: Extractor | None = None,
                 seals: SealConfig | None = None) -> None:
        self.classifier = classifier or Classifier()
        self.extractor = extractor or Extractor()
        self.seals = seals or SealConfig()

    def __call__(self, document: Document) -> list[Document]:
        spans = self.classifier(document.pages)
        out = []
        for k, span in enumerate(spans):
            pages = tuple(document.pages[i] for i in span.pages)
            # embedded invoice data describes the whole file: only a file that is one document may use it
            embedded = document.embedded if len(spans) == 1 else ()
            fields = self.extractor(span.doc_type, pages, embedded, document.file_id)
            doc = document.model_copy(update={
                "id": document.id if len(spans) == 1 else f"{document.id}#{k + 1}",
                "doc_type": span.doc_type, "doc_type_confidence": span.confidence, "pages": pages,
                "fields": fields, "embedded": embedded, "provenance": PROVENANCE,
                "signals": self.extractor.signals(fields, document.metadata)})
            # a worn seal read knowing whose it should be: its owner confirmed by a name the document prints
            out.append(confirm_owners(doc, self.seals))
        return out
