"""Classification and extraction end to end on generated digital PDFs (text layer, no OCR): every labelled field."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.classify import Classifier
from pipeline.extract import Extractor
from pipeline.ingest import collect
from pipeline.run import Pipeline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate.py"), "--seed", "77", "--out", str(out),
                    "--count", "1", "--variant", "digital_pdf"], check=True, capture_output=True, cwd=ROOT)
    return out


def _norm(v):
    import unicodedata

    if isinstance(v, list):
        return [{k: _norm(x.get(k)) for k in ("name", "amount", "tax_rate")} for x in v]
    return None if v is None else unicodedata.normalize("NFKC", str(v)).replace(" ", "")


def test_generated_digital_documents_are_typed_and_fully_extracted(generated):
    pipeline, classifier, extractor = Pipeline(), Classifier(), Extractor()
    files = sorted(p for p in generated.rglob("*.pdf") if "labels" not in p.parts)
    assert files
    wrong = []
    for path in files:
        (item,), _ = collect([path], pipeline.config.ingest.archive)
        rel = path.relative_to(generated)
        label = json.loads((generated / "labels" / rel.parent / (rel.name + ".json")).read_text())
        doc, _ = pipeline.read_file(item)
        spans = classifier(doc.pages)
        assert [s.doc_type.value for s in spans] == [label["doc_type"]], item.source.id
        fields = extractor(spans[0].doc_type, doc.pages, doc.embedded, doc.file_id)
        got = {f.name: f.value for f in fields if not f.name.startswith("items.")}
        rows: dict[int, dict] = {}
        for f in fields:
            if f.name.startswith("items."):
                _, i, k = f.name.split(".")
                rows.setdefault(int(i), {})[k] = f.value
        if rows:
            got["items"] = [rows[i] for i in sorted(rows)]
        wrong += [(item.source.id, k, got.get(k), v) for k, v in label["fields"].items()
                  if _norm(got.get(k)) != _norm(v)]
        # thread safety: the same stage called from threads gives the same answer
        with ThreadPoolExecutor(4) as pool:
            again = list(pool.map(lambda _: extractor(spans[0].doc_type, doc.pages, doc.embedded, doc.file_id),
                                  range(4)))
        assert all(a == fields for a in again)
    assert not wrong, wrong
