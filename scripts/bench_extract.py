"""Benchmark classification and extraction against labels; prints markdown tables.

    python scripts/bench_extract.py --cache /tmp/ex_cache/gen --labels-root /tmp/ex_gen --set generated
    python scripts/bench_extract.py --cache /tmp/ex_cache/real --set realdata

The cache holds one JSON per input file: {"path": ..., "document": Document JSON}, written by ``--build FILE...`` (runs
Pipeline().process_file once per file, OCR included) so that extraction can be iterated without re-running OCR.
Field exact match compares FIELDS.md values after NFKC and removal of spaces; items compare as a whole list."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.extract.shape import fields_dict  # noqa: E402
from pipeline.classify import Classifier  # noqa: E402
from pipeline.extract import Extractor  # noqa: E402
from pipeline.types import Document  # noqa: E402

REAL = Path("/work/shared/realdata")
HEADLINE = ("invoice_number", "issue_date", "buyer_name", "seller_name", "total_amount")


def build(out: Path, files: list[str]) -> None:
    from pipeline.ingest import collect
    from pipeline.run import Pipeline

    out.mkdir(parents=True, exist_ok=True)
    p = Pipeline()
    for f in files:
        dst = out / (hashlib.sha1(str(Path(f).resolve()).encode()).hexdigest()[:16] + ".json")
        if dst.exists():
            continue
        items, _ = collect([f], p.config.ingest.archive)
        for item in items:
            doc, _ = p.read_file(item)
            dst.write_text(json.dumps({"path": str(Path(f).resolve()), "document": doc.model_dump(mode="json")},
                                      ensure_ascii=False))


def _norm(v):
    if v is None:
        return None
    if isinstance(v, list):
        return [{k: _norm(x.get(k)) for k in ("name", "amount", "tax_rate")} for x in v]
    return unicodedata.normalize("NFKC", str(v)).replace(" ", "")


def label_for(path: Path, labels_root: Path | None) -> dict | None:
    if labels_root is not None:
        rel = path.relative_to(labels_root)
        cand = labels_root / "labels" / (str(rel) + ".json")
        if not cand.exists() and len(rel.parts) > 1:  # generated sets: <root>/<set>/labels/<deal>/<file>.json
            cand = labels_root / rel.parts[0] / "labels" / Path(*rel.parts[1:]).with_name(rel.name + ".json")
    else:
        rel = path.relative_to(REAL)
        cand = REAL / "labels" / (str(rel) + ".json")
    return json.loads(cand.read_text()) if cand.exists() else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True, type=Path)
    ap.add_argument("--labels-root", type=Path)
    ap.add_argument("--set", default="set")
    ap.add_argument("--group", choices=["variant", "kind"], default="variant",
                    help="split by the label's legibility (generated) or by digital vs raster (realdata)")
    ap.add_argument("--build", nargs="*")
    ap.add_argument("--show", action="store_true", help="print every mismatch")
    a = ap.parse_args()
    if a.build:
        build(a.cache, a.build)
    classifier, extractor = Classifier(), Extractor()
    stats = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # group -> (type, field) -> [n, exact, covered]
    types = defaultdict(lambda: [0, 0])
    headline = defaultdict(lambda: [0, 0])  # group -> [invoices, invoices with all HEADLINE fields exact]
    ms, pages_n = 0.0, 0
    for f in sorted(a.cache.glob("*.json")):
        d = json.loads(f.read_text())
        doc = Document.model_validate(d["document"])
        lab = label_for(Path(d["path"]), a.labels_root)
        if lab is None:
            continue
        docs_lab = lab.get("documents") or [lab]
        digital = all(p.kind.value != "scanned" for p in doc.pages)
        group = ("digital" if digital else "raster") if a.group == "kind" else lab.get("legibility", "?")
        t0 = time.perf_counter()
        spans = classifier(doc.pages)
        results = []
        for span in spans:
            pages = tuple(doc.pages[i] for i in span.pages)
            fields = extractor(span.doc_type, pages, doc.embedded if len(spans) == 1 else (), doc.file_id)
            results.append((span, fields_dict(fields)))
        ms += (time.perf_counter() - t0) * 1000
        pages_n += len(doc.pages)
        for k, dl in enumerate(docs_lab):
            span, pred = results[k] if k < len(results) else (None, {})
            types[group][0] += 1
            types[group][1] += int(span is not None and span.doc_type == dl["doc_type"])
            if span is not None and span.doc_type != dl["doc_type"] and a.show:
                print("TYPE", d["path"], k, span.doc_type, "!=", dl["doc_type"])
            if dl["doc_type"] == "invoice":
                headline[group][0] += 1
                headline[group][1] += int(all(_norm(pred.get(k)) == _norm(dl["fields"].get(k)) for k in HEADLINE))
            for name, want in dl["fields"].items():
                if want is None or want == []:
                    continue
                got = pred.get(name)
                s = stats[group][(dl["doc_type"], name)]
                s[0] += 1
                s[1] += int(_norm(got) == _norm(want))
                s[2] += int(got not in (None, []))
                if _norm(got) != _norm(want) and a.show:
                    print("MISS", Path(d["path"]).name, dl["doc_type"], name, repr(got)[:80], "!=", repr(want)[:80])
    print(f"\n### {a.set}: document type\n\n| group | documents | type accuracy |\n|---|---|---|")
    for g, (n, ok) in sorted(types.items()):
        print(f"| {g} | {n} | {ok / max(n, 1):.1%} |")
    if headline:
        print(f"\n### {a.set}: invoices with number, date, buyer, seller and total all exact\n\n"
              "| group | invoices | all five exact |\n|---|---|---|")
        for g, (n, ok) in sorted(headline.items()):
            print(f"| {g} | {n} | {ok / max(n, 1):.1%} |")
    for g, table in sorted(stats.items()):
        tot = [sum(v[i] for v in table.values()) for i in range(3)]
        print(f"\n### {a.set} / {g}: fields (exact {tot[1] / max(tot[0], 1):.1%}, "
              f"covered {tot[2] / max(tot[0], 1):.1%},"
              f" {tot[0]} labelled values)\n\n| type | field | n | exact | coverage |\n|---|---|---|---|---|")
        for (t, name), (n, ok, cov) in sorted(table.items()):
            print(f"| {t} | {name} | {n} | {ok / n:.0%} | {cov / n:.0%} |")
    print(f"\nclassify + extract: {ms / max(pages_n, 1):.1f} ms per page over {pages_n} pages")


if __name__ == "__main__":
    main()
