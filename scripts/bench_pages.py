"""Time the page stage end to end: a file's page in, typed pages with seals and fields out (ingest, orientation,
OCR or text layer, seals, classification and extraction).

    python scripts/bench_pages.py [--runs 5]

Rows: a digital PDF page (text layer, no OCR; target <= 50 ms for the typed page), an OFD page (XML, no OCR), a
scanned A4 page at 200 dpi through the whole page stage (orientation + OCR), and the same with red-ink suppression.
Columns split each page's time into the text (file opening plus text layer, OFD XML or OCR), the seal stage (which
renders a digital page to find its seal images, and reads every seal it finds) and classification + extraction.
Median of ``--runs`` after one warm-up; one inference thread. Prints a markdown table with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import PipelineConfig  # noqa: E402
from pipeline.ingest import collect  # noqa: E402
from pipeline.run import Pipeline  # noqa: E402


def _median_page_ms(pipeline: Pipeline, path: Path, runs: int) -> tuple[dict[str, float], int, str]:
    """Median milliseconds per page: in total and per stage (text = text layer, OFD XML or OCR incl. orientation)."""
    (item,), _ = collect([path])
    pipeline.process_file(item)  # warm-up: models, fonts, caches
    samples: dict[str, list[float]] = {"text": [], "seals": [], "extract": [], "total": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        docs, timer = pipeline.process_file(item)
        total = time.perf_counter() - t0
        pages = [p for d in docs for p in d.pages]
        text = timer.seconds.get("ocr", 0.0) + timer.seconds.get("text_layer", 0.0) + timer.seconds.get("open", 0.0)
        for key, seconds in (("text", text), ("seals", timer.seconds.get("seals", 0.0)),
                             ("extract", timer.seconds.get("extract", 0.0)), ("total", total)):
            samples[key].append(seconds * 1000 / len(pages))
    return {k: statistics.median(v) for k, v in samples.items()}, len(pages), pages[0].kind.value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    plain = Pipeline()
    redink = Pipeline(config=PipelineConfig().model_copy(
        update={"ocr": PipelineConfig().ocr.model_copy(update={"suppress_red_ink": True})}))
    rows = [
        ("digital PDF page (text layer)", plain, REPO / "fixtures/demo/01_技术服务合同.pdf"),
        ("OFD invoice page", plain, REPO / "fixtures/ofd/synthetic_invoice.ofd"),
        ("scanned A4 200 dpi, orientation + OCR", plain, REPO / "fixtures/ocr/contract_degraded_200dpi.jpg"),
        ("scanned A4 200 dpi, + red-ink suppression", redink, REPO / "fixtures/ocr/contract_degraded_200dpi.jpg"),
    ]
    real_pdf = REPO.parent / "shared/realdata/invoice_pdfs/iir__8922bfd1-7113-4072-bc1c-7e88d896e5f5.pdf"
    real_ofd = REPO.parent / "shared/realdata/ofd/ofdrw__20240531141733.ofd"
    rows[2:2] = [(f"real {kind} (../shared/realdata)", plain, path) for kind, path in
                 (("数电票 PDF", real_pdf), ("数电票 OFD", real_ofd)) if path.is_file()]
    load_before = os.getloadavg()
    print("| page | file | pages | kind | text ms | seals ms | extract ms | total ms/page |\n"
          "|---|---|---:|---|---:|---:|---:|---:|")
    for label, pipeline, path in rows:
        ms, pages, kind = _median_page_ms(pipeline, path, args.runs)
        print(f"| {label} | {path.name} | {pages} | {kind} | {ms['text']:.0f} | {ms['seals']:.0f} | "
              f"{ms['extract']:.0f} | {ms['total']:.0f} |")
    load_after = os.getloadavg()
    print(f"\n{os.cpu_count()} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"median of {args.runs} runs after a warm-up; one inference thread.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
