"""Evaluate the pipeline on a labelled set and write docs/accuracy.md.

A labelled set is a folder with the documents and ``labels/**/<file>.json`` in the ``shared/FIELDS.md`` label format
(``file`` relative to the folder; ``doc_type``, ``fields``, ``seals``; or ``documents`` for a file holding several).
Both ``../shared/realdata`` and the generator's output (``scripts/generate.py``) have that shape.

    python scripts/evaluate.py                       # realdata (if present) and a freshly generated set
    python scripts/evaluate.py --set realdata
    python scripts/evaluate.py --set /tmp/synth     # any labelled folder
    python scripts/evaluate.py --set scenarios --reports DIR --out /tmp/scen.md   # fixtures/scenarios by variant,
                                                     # from saved reports (check_scenarios.py --save-reports): no OCR

What it measures is what the pipeline produces today; every metric a later stage will produce is listed as not yet
measurable, with the stage it waits for, so the table grows as the stages land:

- document-type accuracy (each labelled document matched to the pipeline's document on the same pages);
- field exact-match accuracy (labelled non-null values the pipeline returned exactly, after NFKC and removing spaces)
  and coverage (labelled non-null values the pipeline returned at all), per document type and field;
- field findability: the share of labelled values that appear in the text the pipeline read (OCR, text layer or OFD)
  in a usual printed form - the ceiling for extraction, separating reading errors from extraction errors;
- OCR character accuracy, where a label carries the page text (``page_texts``);
- seconds per page.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.extract.shape import fields_dict  # noqa: E402
from pipeline.ingest import collect  # noqa: E402
from pipeline.run import Pipeline  # noqa: E402
from pipeline.types import Document  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
SCENARIOS = REPO / "fixtures" / "scenarios"
# Fields whose value is a category the document does not print as such.
NOT_PRINTED = {"invoice_kind", "copy_type", "conclusion", "items"}
NOT_YET = [
    ("seal detection precision/recall, type accuracy, owner accuracy",
     "measured by scripts/bench_seals.py (docs/seals.md); to be folded in here"),
    ("findings precision/recall per rule id", "matching and rule packs (issue 6)"),
]


@dataclass
class LabelDoc:
    doc_type: str
    pages: list[int] | None  # 1-based page numbers, None = the whole file
    fields: dict
    seals: list


@dataclass
class Item:
    root: Path
    file: str
    label: dict
    docs: list[LabelDoc]
    legibility: str


@dataclass
class Tally:
    found: int = 0
    total: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.found / self.total if self.total else None


def load_items(root: Path) -> list[Item]:
    items = []
    for path in sorted((root / "labels").rglob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        if "file" not in label or not (root / label["file"]).is_file():
            continue
        docs = [
            LabelDoc(d.get("doc_type", "other"), d.get("pages"), d.get("fields") or {}, d.get("seals") or [])
            for d in label.get("documents", [])
        ] or [LabelDoc(label.get("doc_type", "other"), None, label.get("fields") or {}, label.get("seals") or [])]
        items.append(Item(root, label["file"], label, docs, label.get("legibility") or label.get("variant") or "?"))
    return items


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def printed_forms(name: str, value: str) -> list[str]:
    """The ways a normalised FIELDS.md value is usually printed."""
    value = _squash(value)
    forms = [value]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        forms += [f"{y}年{m}月{d}日", f"{y}年{int(m)}月{int(d)}日", f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{y}{m}{d}",
                  f"{y}/{int(m)}/{int(d)}"]
    elif re.fullmatch(r"-?\d+\.\d{2}", value):
        whole, cents = value.split(".")
        grouped = f"{int(whole):,}"
        forms += [f"{grouped}.{cents}"]
        if cents == "00":
            forms += [whole, grouped]
    return forms


def findable(name: str, value: str, text: str) -> bool:
    return any(form in text for form in printed_forms(name, str(value)))


def _same(a, b) -> bool:
    if isinstance(b, list):
        keys = ("name", "amount", "tax_rate")
        return isinstance(a, list) and [[_squash(str(x.get(k) or "")) for k in keys] for x in a] == [
            [_squash(str(x.get(k) or "")) for k in keys] for x in b]
    return a is not None and _squash(str(a)) == _squash(str(b))


def match_document(ldoc: LabelDoc, documents: list[Document]) -> Document | None:
    """The pipeline's document for a labelled one: the most shared pages, then the same type."""
    if not documents:
        return None
    if ldoc.pages is None:
        same = [d for d in documents if d.doc_type.value == ldoc.doc_type]
        return (same or documents)[0] if len(documents) > 1 else documents[0]
    return max(documents, key=lambda d: (len({p.index + 1 for p in d.pages} & set(ldoc.pages)),
                                          d.doc_type.value == ldoc.doc_type))


def _doc_text(documents: list[Document], pages: list[int] | None) -> str:
    chosen = [p for d in documents for p in d.pages if pages is None or p.index + 1 in pages]
    embedded = [kv.value for d in documents for e in d.embedded for kv in e.entries] if pages is None else []
    return _squash("\n".join([p.text for p in chosen] + embedded))


def char_accuracy(truth: str, read: str) -> float:
    truth, read = _squash(truth), _squash(read)
    return 1.0 - Levenshtein.distance(truth, read) / max(1, len(truth))


@dataclass
class Scores:
    """What evaluate() and evaluate_scenarios() count, labelled document by labelled document."""

    tallies: dict = field(default_factory=lambda: defaultdict(Tally))
    exact: dict = field(default_factory=lambda: defaultdict(Tally))
    covered: dict = field(default_factory=lambda: defaultdict(Tally))
    exact_by_legibility: dict = field(default_factory=lambda: defaultdict(Tally))
    doc_types: Tally = field(default_factory=Tally)
    by_legibility: dict = field(default_factory=lambda: defaultdict(Tally))
    redact: bool = False  # real documents: misses are listed without their values (real names, accounts, tax ids)
    char_acc: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    seconds: float = 0.0
    pages: float = 0.0

    def add(self, item: Item, documents: list[Document]) -> None:
        for ldoc in item.docs:
            pred = match_document(ldoc, documents)
            self.doc_types.total += 1
            self.doc_types.found += pred is not None and pred.doc_type.value == ldoc.doc_type
            if pred is not None and pred.doc_type.value != ldoc.doc_type:
                self.doc_types.missed.append(f"{item.file}: {ldoc.doc_type} read as {pred.doc_type.value}")
            got = fields_dict(pred.fields) if pred is not None else {}
            for fname, value in ldoc.fields.items():
                if value in (None, "", []):
                    continue
                key = (ldoc.doc_type, fname)
                ok = _same(got.get(fname), value)
                for tally in (self.exact[key], self.exact_by_legibility[(ldoc.doc_type, item.legibility)]):
                    tally.total += 1
                    tally.found += ok
                self.covered[key].total += 1
                self.covered[key].found += got.get(fname) not in (None, "", [])
                if not ok:
                    self.exact[key].missed.append(f"{item.file}: {miss(value, got.get(fname), self.redact)}")
            text = _doc_text(documents, ldoc.pages)
            for fname, value in ldoc.fields.items():
                if value in (None, "") or fname in NOT_PRINTED:
                    continue
                ok = findable(fname, value, text)
                found = (self.tallies[(ldoc.doc_type, fname)], self.by_legibility[(ldoc.doc_type, item.legibility)])
                for tally in found:
                    tally.total += 1
                    tally.found += ok
                if not ok:
                    self.tallies[(ldoc.doc_type, fname)].missed.append(
                        item.file if self.redact else f"{item.file}: {value}")
        for i, truth in enumerate(item.label.get("page_texts") or []):
            read = [p.text for d in documents for p in d.pages]
            if i < len(read):
                self.char_acc.append(char_accuracy(truth, read[i]))

    def result(self, name: str, root: Path, items: int) -> dict:
        return {"name": name, "root": str(root), "items": items, "pages": int(self.pages), "seconds": self.seconds,
                "tallies": self.tallies, "by_legibility": self.by_legibility, "char_acc": self.char_acc,
                "failures": self.failures, "exact": self.exact, "covered": self.covered,
                "exact_by_legibility": self.exact_by_legibility, "doc_types": self.doc_types}


def miss(value, got, redact: bool) -> str:
    """How a labelled value was missed: both values, or on real documents (``redact``: the repository must not hold
    their names, accounts or tax ids) only how far off the reading was."""
    if not redact:
        return f"{value!r} read as {got!r}"
    if got in (None, "", []):
        return "not read"
    a, b = str(value), str(got)
    return f"read with {Levenshtein.distance(a, b)} edit(s) over {len(a)} characters"


def evaluate(name: str, root: Path, pipeline: Pipeline, limit: int | None = None, redact: bool = False) -> dict:
    items = load_items(root)[:limit]
    scores = Scores(redact=redact)
    for item in items:
        inputs, errors = collect([item.root / item.file])
        if errors or not inputs:
            scores.failures.append(f"{item.file}: {errors[0].reason if errors else 'nothing to read'}")
            continue
        t0 = time.perf_counter()
        try:
            documents = [doc for inp in inputs for doc in pipeline.process_file(inp)[0]]
        except PipelineError as exc:
            scores.failures.append(f"{item.file}: {exc}")
            continue
        scores.seconds += time.perf_counter() - t0
        scores.pages += sum(len(d.pages) for d in documents)
        scores.add(item, documents)
    return scores.result(name, root, len(items))


def evaluate_scenarios(root: Path, pipeline: Pipeline | None, reports: Path | None = None) -> dict:
    """The scenario submissions (``fixtures/scenarios/<scenario>``): every file's label, grouped by the manifest's
    ``variant`` (digital_pdf, scan, photo, scan+grey, fax). With ``reports`` (a folder of saved report JSONs,
    ``<scenario>.json`` from ``check_scenarios.py --save-reports`` or ``evidence check``), classification and
    extraction run again over the saved pages (no OCR); the time is then that of classify + extract alone."""
    from scripts.check_scenarios import reextract

    from pipeline.types import Report

    scores, n = Scores(), 0
    for folder in sorted(p for p in root.iterdir() if (p / "manifest.json").is_file()):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        variants = {f["file"]: f.get("variant", "?") for f in manifest.get("files", [])}
        t0 = time.perf_counter()
        if reports is not None:
            saved = (reports / f"{folder.name}.json").read_text(encoding="utf-8")
            report = reextract(Report.model_validate_json(saved))
        else:
            report = pipeline.analyze([folder], exclude=("manifest.json", "labels/*"))
        scores.seconds += time.perf_counter() - t0
        by_file: dict[str, list[Document]] = defaultdict(list)
        for d in report.submission.documents:
            by_file[d.file_id].append(d)
        for item in load_items(folder):
            if item.file not in variants:
                continue
            n += 1
            item.file, item.legibility = f"{folder.name}/{item.file}", variants[item.file]
            documents = by_file.get(item.file.split("/", 1)[1], [])
            if not documents:
                scores.failures.append(f"{item.file}: no document in the report")
            scores.pages += sum(len(d.pages) for d in documents)
            scores.add(item, documents)
    how = "saved reports, classification and extraction run again" if reports is not None else "full pipeline"
    return scores.result(f"Scenario submissions (fixtures/{root.name}, by variant; {how})", root, n)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def render(results: list[dict], engine: str, args: str = "") -> str:
    out = [
        "# Accuracy",
        "",
        f"Written by `scripts/evaluate.py` on {date.today().isoformat()} (OCR engine {engine}). Regenerate: "
        f"`.venv/bin/python scripts/evaluate.py{' ' + args if args else ''}`.",
        "",
    ]
    for r in results:
        out += [f"## {r['name']}", "",
                f"{r['items']} labelled files, {r['pages']} pages, {r['seconds']:.1f} s "
                f"({r['seconds'] / max(1, r['pages']):.2f} s/page)."]
        if r["char_acc"]:
            acc = sum(r["char_acc"]) / len(r["char_acc"])
            out += ["", f"OCR character accuracy over {len(r['char_acc'])} pages with page text: {_pct(acc)}."]
        dt = r["doc_types"]
        out += ["", f"Document type: {dt.found} of {dt.total} labelled documents right ({_pct(dt.rate)})."]
        out += [f"- {m}" for m in dt.missed]
        all_exact = Tally(sum(t.found for t in r["exact"].values()), sum(t.total for t in r["exact"].values()))
        out += ["", f"Fields: {all_exact.found} of {all_exact.total} labelled values exact ({_pct(all_exact.rate)}).", "",
                "| doc type | field | exact | coverage | of |", "|---|---|---:|---:|---:|"]
        for key, t in sorted(r["exact"].items()):
            out.append(f"| {key[0]} | {key[1]} | {_pct(t.rate)} | {_pct(r['covered'][key].rate)} | {t.total} |")
        groups: dict[str, Tally] = defaultdict(Tally)
        for (_, leg), t in r["exact_by_legibility"].items():
            groups[leg].found += t.found
            groups[leg].total += t.total
        out += ["", "Exact by legibility / variant, all types:", "", "| legibility | exact | of | rate |",
                "|---|---:|---:|---:|"]
        out += [f"| {leg} | {t.found} | {t.total} | {_pct(t.rate)} |" for leg, t in sorted(groups.items())]
        out += ["", "Exact by legibility / variant:", "", "| doc type | legibility | exact | of | rate |",
                "|---|---:|---:|---:|"]
        for (dt_, leg), t in sorted(r["exact_by_legibility"].items()):
            out.append(f"| {dt_} | {leg} | {t.found} | {t.total} | {_pct(t.rate)} |")
        wrong = [f"{dt_}.{f} {x}" for (dt_, f), t in sorted(r["exact"].items()) for x in t.missed]
        if wrong:
            out += ["", "<details><summary>values not exact</summary>", ""] + [f"- {m}" for m in wrong] + ["", "</details>"]
        out += ["", "Field findability (labelled value present in the text read, in a usual printed form):", "",
                "| doc type | field | found | of | rate |", "|---|---|---:|---:|---:|"]
        for (dt, fname), t in sorted(r["tallies"].items()):
            out.append(f"| {dt} | {fname} | {t.found} | {t.total} | {_pct(t.rate)} |")
        out += ["", "By legibility / variant:", "", "| doc type | legibility | found | of | rate |", "|---|---|---:|---:|---:|"]
        for (dt, leg), t in sorted(r["by_legibility"].items()):
            out.append(f"| {dt} | {leg} | {t.found} | {t.total} | {_pct(t.rate)} |")
        missed = [m for (dt, f), t in sorted(r["tallies"].items()) for m in (f"{dt}.{f} {x}" for x in t.missed)]
        if missed:
            out += ["", "<details><summary>values not found</summary>", ""] + [f"- {m}" for m in missed] + ["", "</details>"]
        if r["failures"]:
            out += ["", "Files that failed:", ""] + [f"- {f}" for f in r["failures"]]
        out.append("")
    out += ["## Not yet measurable", "", "| metric | waits for |", "|---|---|"]
    out += [f"| {m} | {s} |" for m, s in NOT_YET]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", dest="sets",
                    help="realdata, generated, scenarios, or a labelled folder (repeatable; default: realdata and "
                         "generated)")
    ap.add_argument("--reports", type=Path,
                    help="with --set scenarios: saved report JSONs (<scenario>.json) to classify and extract again, "
                         "no OCR")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generated set")
    ap.add_argument("--count", type=int, default=2, help="deals in the generated set")
    ap.add_argument("--limit", type=int, help="at most this many labelled files per set")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "accuracy.md")
    args = ap.parse_args(argv)
    sets = args.sets or ["realdata", "generated"]
    pipeline = None if sets == ["scenarios"] and args.reports else Pipeline()
    results = []
    for s in sets:
        if s == "realdata":
            if not REALDATA.is_dir():
                print(f"evaluate: {REALDATA} is absent; skipping the real set", file=sys.stderr)
                continue
            results.append(evaluate("Real documents (../shared/realdata)", REALDATA, pipeline, args.limit,
                                    redact=True))
        elif s == "generated":
            tmp = Path(tempfile.mkdtemp(prefix="evidence-eval-"))
            subprocess.run([sys.executable, str(REPO / "scripts" / "generate.py"), "--seed", str(args.seed),
                            "--count", str(args.count), "--out", str(tmp)], check=True, stdout=subprocess.DEVNULL)
            results.append(evaluate(f"Generated set (seed {args.seed}, {args.count} deals)", tmp, pipeline, args.limit))
        elif s == "scenarios":
            results.append(evaluate_scenarios(SCENARIOS, pipeline, args.reports))
        else:
            results.append(evaluate(s, Path(s), pipeline, args.limit))
    text = render(results, f"{pipeline.engine.name} {pipeline.engine.version}" if pipeline else "none: saved reports",
                  " ".join(argv if argv is not None else sys.argv[1:]))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
