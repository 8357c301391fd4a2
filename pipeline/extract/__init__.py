"""Field extraction: typed fields (FIELDS.md names and formats) from a document's pages and embedded data."""

from pipeline.extract.extractor import Extractor
from pipeline.extract.spec import DocSpec, FieldSpec, SpecError, load_specs

__all__ = ["Extractor", "DocSpec", "FieldSpec", "SpecError", "load_specs", "DocumentStage"]


def __getattr__(name: str):
    if name == "DocumentStage":  # lazy: pipeline.classify imports pipeline.extract
        from pipeline.extract.stage import DocumentStage

        return DocumentStage
    raise AttributeError(name)
