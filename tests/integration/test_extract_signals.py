"""Tamper signals on the committed scenarios: a bank slip whose words do not match its figures, an invoice whose buyer
tax id fails its GB 32100 check character (OCR'd photo), and a clean invoice with none."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify import Classifier
from pipeline.extract import Extractor
from pipeline.ingest import collect
from pipeline.run import Pipeline

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


@pytest.fixture(scope="module")
def stages():
    return Pipeline(), Classifier(), Extractor()


def signals_of(stages, path: Path) -> set[str]:
    pipeline, classifier, extractor = stages
    (item,), _ = collect([path], pipeline.config.ingest.archive)
    doc, _ = pipeline.read_file(item)
    (span,) = classifier(doc.pages)
    fields = extractor(span.doc_type, tuple(doc.pages[i] for i in span.pages), doc.embedded, doc.file_id)
    return {s.code for s in extractor.signals(fields, doc.metadata)}


def test_figures_words_mismatch_on_a_bank_slip(stages):
    assert "figures_words_mismatch" in signals_of(stages, SCENARIOS / "bj_figures_words_mismatch/C1/bank_slip_1.pdf")


def test_invalid_tax_id_check_character_on_an_invoice_photo(stages):
    assert "tax_id_check_invalid" in signals_of(stages, SCENARIOS / "bj_invalid_tax_id/C1/invoice_1.jpg")


def test_a_clean_invoice_has_no_signal(stages):
    assert signals_of(stages, SCENARIOS / "bj_clean/C1/invoice_1.pdf") == set()
