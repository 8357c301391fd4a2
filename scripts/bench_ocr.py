"""OCR speed and accuracy per engine, on one inference thread.

    python scripts/bench_ocr.py                       # all available engines, prints a markdown table
    python scripts/bench_ocr.py --engines rapidocr rapidocr-h48 --runs 5 --write-docs

Pages: the committed rendered contract pages (fixtures/ocr: a dense clean page and a degraded skewed scan), a lighter
rendered page, and the real invoice images in ../shared/realdata/invoices when that folder exists (never copied).
Synthetic pages are scored by character accuracy (1 - edit distance / ground-truth length, whitespace removed, NFKC);
real invoices by the share of their label's key values (invoice_number, issue_date, buyer_name, seller_name,
total_amount) found in the OCR text with spaces removed.

Time: the engines are built once, then each page is read by every engine in turn (a warm-up call each), then
``--runs`` rounds of one call per engine, in alternating order, so that a change of load on the shared machine hits
all engines alike. The main figure is the median CPU time per call, of the process and its subprocesses (tesseract's)
(one inference thread: the time the page costs a core, whatever else runs); the median wall time is printed too, with
the load average before and after.
Besides the registered engines, ``rapidocr-h48`` (our pipeline reading lines with the 48-row graph as exported, the
previous default) and ``rapidocr-stock`` (``--baseline``) can be named.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import IngestConfig, OcrConfig, Settings  # noqa: E402
from pipeline.ocr.base import available_engines, engine_class  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
DOCS = REPO / "docs" / "benchmarks.md"
MARK_START, MARK_END = "<!-- bench_ocr:start -->", "<!-- bench_ocr:end -->"
INVOICE_KEYS = ("invoice_number", "issue_date", "buyer_name", "seller_name", "total_amount")


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def char_accuracy(read: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    truth = normalise(truth)
    return 1.0 - Levenshtein.distance(normalise(read), truth) / len(truth)


def key_found(key: str, value: str, text: str) -> bool:
    value = normalise(value)
    if key == "issue_date":
        y, m, d = value.split("-")
        return re.search(rf"{y}\D{{0,2}}0?{int(m)}\D{{0,2}}0?{int(d)}", text) is not None
    return value in text


def synthetic_pages() -> list[dict]:
    from scripts.synth.text_page import render_contract_page

    pages = []
    for name, kind in (("contract_clean_200dpi.png", "dense clean"), ("contract_degraded_200dpi.jpg", "dense scan")):
        gt = json.loads((REPO / "fixtures" / "ocr" / name).with_suffix(".json").read_text(encoding="utf-8"))
        image = cv2.imread(str(REPO / "fixtures" / "ocr" / name), cv2.IMREAD_COLOR)
        pages.append({"name": name, "kind": kind, "image": image, "truth": "".join(l["text"] for l in gt["lines"])})
    light = render_contract_page(seed=2, dpi=200, font_pt=12, line_spacing=2.0)
    pages.append({"name": "rendered seed 2, 12 pt, spacing 2.0", "kind": "light clean", "image": light.bgr(),
                  "truth": light.text})
    return pages


def invoice_pages(root: Path) -> list[dict]:
    folder, labels = root / "invoices", root / "labels" / "invoices"
    if not folder.is_dir():
        return []
    cap = IngestConfig().max_image_side
    pages = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")):
        label_path = labels / f"{path.name}.json"
        image = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
        if image is None or not label_path.is_file():
            continue
        scale = cap / max(image.shape[:2])
        if scale < 1:  # as the ingest stage does for large photos
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        fields = json.loads(label_path.read_text(encoding="utf-8"))["fields"]
        keys = {k: str(fields[k]) for k in INVOICE_KEYS if fields.get(k)}
        pages.append({"name": path.name, "kind": "real invoice", "image": image, "keys": keys})
    return pages


def score(page: dict, lines) -> float:
    text = "".join(line.text for line in lines)
    if "truth" in page:
        return char_accuracy(text, page["truth"])
    flat = normalise(text)
    return sum(key_found(k, v, flat) for k, v in page["keys"].items()) / max(1, len(page["keys"]))


def cpu_time() -> float:
    """CPU seconds of this process and of the children it waited for (tesseract runs as a subprocess)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(engines: dict, page: dict, runs: int) -> dict[str, dict]:
    """Every engine on ``page``: a warm-up call each, then ``runs`` rounds of one call per engine, alternating order."""
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    wall: dict[str, list[float]] = {name: [] for name in engines}
    lines = {name: engine(page["image"]) for name, engine in engines.items()}  # warm-up
    order = list(engines)
    for k in range(runs):
        for name in order if k % 2 == 0 else order[::-1]:
            c0, w0 = cpu_time(), time.perf_counter()
            lines[name] = engines[name](page["image"])
            cpu[name].append(cpu_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    return {name: {"cpu": statistics.median(cpu[name]), "seconds": statistics.median(wall[name]),
                   "score": score(page, lines[name]), "lines": len(lines[name])} for name in engines}


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


H48 = "rapidocr-h48"  # the previous default: lines scaled to 32 of the exported graph's 48 rows, the rest padding


def build_engine(name: str, args) -> object:
    if name == StockRapidOcr.name:
        return StockRapidOcr()
    settings = Settings(ocr_threads=1)
    config = OcrConfig() if args.det_max_side is None else OcrConfig(det_max_side=args.det_max_side)
    if name in ("rapidocr", H48):
        from pipeline.ocr.rapid import RapidOcrEngine, RecTuning

        overrides = {"height": 48, "text_fill": 0.66, "reread_height": 48} if name == H48 else {}
        overrides.update({k: v for k, v in (("height", args.rec_height), ("text_fill", args.text_fill),
                                            ("width_scale", args.width_scale), ("reread_height", args.reread_height))
                          if v is not None and name == "rapidocr"})
        return RapidOcrEngine(settings=settings, config=config, tuning=RecTuning(**overrides))
    return engine_class(name)(settings=settings, config=config)


class StockRapidOcr:
    """The unmodified ``rapidocr.RapidOCR`` pipeline (its defaults, one thread), as a baseline. Bench only."""

    name = "rapidocr-stock"

    def __init__(self) -> None:
        from importlib import metadata

        from rapidocr import RapidOCR

        self.version = metadata.version("rapidocr")
        self._ocr = RapidOCR(params={"Global.log_level": "warning",
                                     "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                                     "EngineConfig.onnxruntime.inter_op_num_threads": 1})

    def __call__(self, image):
        from pipeline.ocr.base import OcrLine

        out = self._ocr(image)
        if getattr(out, "txts", None) is None:
            return []
        return [OcrLine(points=tuple(map(tuple, box)), text=text, score=score)
                for box, text, score in zip(out.boxes.tolist(), out.txts, out.scores)]


def table(rows: list[dict]) -> str:
    out = ["| engine | page | kind | size | lines | CPU s/page | wall s/page | accuracy |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        metric = f"{r['score'] * 100:.2f} % chars" if r["kind"] != "real invoice" else f"{r['score'] * 100:.0f} % keys"
        out.append(f"| {r['engine']} {r['version']} | {r['page']} | {r['kind']} | {r['size']} | {r['lines']} | "
                   f"{r['cpu']:.2f} | {r['seconds']:.2f} | {metric} |")
    return "\n".join(out)


def summary(rows: list[dict]) -> str:
    out = ["| engine | kind | pages | median CPU s/page | median wall s/page | mean accuracy |",
           "|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["engine"], r["kind"]), []).append(r)
    for (engine, kind), rs in groups.items():
        unit = "keys" if kind == "real invoice" else "chars"
        out.append(f"| {engine} | {kind} | {len(rs)} | {statistics.median(r['cpu'] for r in rs):.2f} | "
                   f"{statistics.median(r['seconds'] for r in rs):.2f} | "
                   f"{statistics.mean(r['score'] for r in rs) * 100:.2f} % {unit} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="*", help="default: every available engine")
    parser.add_argument("--baseline", action="store_true",
                        help=f"also time the stock RapidOCR pipeline ({StockRapidOcr.name})")
    parser.add_argument("--runs", type=int, default=3, help="timed calls per synthetic page (median)")
    parser.add_argument("--invoice-runs", type=int, default=1, help="timed calls per real invoice")
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument("--no-realdata", action="store_true")
    parser.add_argument("--det-max-side", type=int, help="override OcrConfig.det_max_side")
    parser.add_argument("--rec-height", type=int, help="override RecTuning.height (rapidocr)")
    parser.add_argument("--reread-height", type=int, help="override RecTuning.reread_height (rapidocr)")
    parser.add_argument("--text-fill", type=float, help="override RecTuning.text_fill (rapidocr)")
    parser.add_argument("--width-scale", type=float, help="override RecTuning.width_scale (rapidocr)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables into {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    names = (args.engines or available_engines()) + ([StockRapidOcr.name] if args.baseline else [])
    pages = synthetic_pages() + ([] if args.no_realdata else invoice_pages(args.realdata))
    engines = {name: build_engine(name, args) for name in names}
    load_before = load_average()
    rows = []
    for page in pages:
        runs = args.invoice_runs if page["kind"] == "real invoice" else args.runs
        results = measure(engines, page, runs)
        h, w = page["image"].shape[:2]
        for name, result in results.items():
            rows.append({"engine": name, "version": engines[name].version, "page": page["name"],
                         "kind": page["kind"], "size": f"{w}x{h}", **result})
            print(f"{name:14s} {page['name'][:40]:40s} {result['cpu']:6.2f} s CPU {result['seconds']:6.2f} s wall "
                  f"{result['score'] * 100:6.2f} %  load {load_average()}", file=sys.stderr, flush=True)
    rows.sort(key=lambda r: names.index(r["engine"]))
    facts = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, 1 inference thread per engine; "
             f"load average (1/5/15 min) {load_before} before, {load_average()} after; "
             f"det_max_side={args.det_max_side or OcrConfig().det_max_side}")
    report = f"{facts}\n\n{summary(rows)}\n\n{table(rows)}\n"
    print(report)
    if args.write_docs:
        text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else f"# Benchmarks\n\n{MARK_START}\n{MARK_END}\n"
        if MARK_START not in text:
            text += f"\n{MARK_START}\n{MARK_END}\n"
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        DOCS.write_text(f"{head}{MARK_START}\n{report}{MARK_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
