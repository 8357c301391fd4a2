"""OCR speed and accuracy per engine, on one inference thread.

    python scripts/bench_ocr.py                       # all available engines, prints a markdown table
    python scripts/bench_ocr.py --engines rapidocr --runs 5 --write-docs

Pages: the committed rendered contract pages (fixtures/ocr: a dense clean page and a degraded skewed scan), a lighter
rendered page, and the real invoice images in ../shared/realdata/invoices when that folder exists (never copied).
Synthetic pages are scored by character accuracy (1 - edit distance / ground-truth length, whitespace removed, NFKC);
real invoices by the share of their label's key values (invoice_number, issue_date, buyer_name, seller_name,
total_amount) found in the OCR text with spaces removed. Time is the median wall time of ``--runs`` calls after a
warm-up call. The machine is shared: the load average is printed with the table.
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


def measure(engine, page: dict, runs: int) -> dict:
    engine(page["image"])  # warm-up
    times, lines = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        lines = engine(page["image"])
        times.append(time.perf_counter() - t0)
    text = "".join(line.text for line in lines)
    if "truth" in page:
        score = char_accuracy(text, page["truth"])
    else:
        flat = normalise(text)
        score = sum(key_found(k, v, flat) for k, v in page["keys"].items()) / max(1, len(page["keys"]))
    return {"seconds": statistics.median(times), "score": score, "lines": len(lines)}


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def build_engine(name: str, args) -> object:
    if name == StockRapidOcr.name:
        return StockRapidOcr()
    settings = Settings(ocr_threads=1)
    config = OcrConfig() if args.det_max_side is None else OcrConfig(det_max_side=args.det_max_side)
    cls = engine_class(name)
    if name == "rapidocr" and (args.text_fill is not None or args.width_scale is not None):
        from pipeline.ocr.rapid import RecTuning

        tuning = RecTuning(**{k: v for k, v in (("text_fill", args.text_fill), ("width_scale", args.width_scale))
                              if v is not None})
        return cls(settings=settings, config=config, tuning=tuning)
    return cls(settings=settings, config=config)


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
    out = ["| engine | page | kind | size | lines | median s/page | accuracy |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        metric = f"{r['score'] * 100:.2f} % chars" if r["kind"] != "real invoice" else f"{r['score'] * 100:.0f} % keys"
        out.append(f"| {r['engine']} {r['version']} | {r['page']} | {r['kind']} | {r['size']} | {r['lines']} | "
                   f"{r['seconds']:.2f} | {metric} |")
    return "\n".join(out)


def summary(rows: list[dict]) -> str:
    out = ["| engine | kind | pages | median s/page | mean accuracy |", "|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["engine"], r["kind"]), []).append(r)
    for (engine, kind), rs in groups.items():
        unit = "keys" if kind == "real invoice" else "chars"
        out.append(f"| {engine} | {kind} | {len(rs)} | {statistics.median(r['seconds'] for r in rs):.2f} | "
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
    parser.add_argument("--text-fill", type=float, help="override RecTuning.text_fill (rapidocr)")
    parser.add_argument("--width-scale", type=float, help="override RecTuning.width_scale (rapidocr)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables into {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    names = (args.engines or available_engines()) + ([StockRapidOcr.name] if args.baseline else [])
    pages = synthetic_pages() + ([] if args.no_realdata else invoice_pages(args.realdata))
    load_before = load_average()
    rows = []
    for name in names:
        engine = build_engine(name, args)
        for page in pages:
            runs = args.invoice_runs if page["kind"] == "real invoice" else args.runs
            result = measure(engine, page, runs)
            h, w = page["image"].shape[:2]
            rows.append({"engine": name, "version": engine.version, "page": page["name"], "kind": page["kind"],
                         "size": f"{w}x{h}", **result})
            print(f"{name:10s} {page['name'][:40]:40s} {result['seconds']:6.2f} s  {result['score'] * 100:6.2f} %",
                  file=sys.stderr, flush=True)
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
