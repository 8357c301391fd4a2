"""Seal stage benchmark: detection precision/recall, type/shape accuracy, owner and code exact, timings.

    python scripts/bench_seals.py --synth /tmp/sealgen              # generated sets (subfolders with labels/)
    python scripts/bench_seals.py --realdata /work/shared/realdata   # real files (paired by type and owner per file)
    python scripts/bench_seals.py --synth DIR --no-read              # detection only
    python scripts/bench_seals.py --synth fixtures/scenarios --total # the scenario fixtures, one row

Generated sets: a detection is a true positive when its box has IoU >= 0.5 with an unmatched label box on the same
page (``seals`` and ``cross_page_seals``); type, shape, owner and code are compared on the matched pairs. Real data has
no boxes: per file, labelled and detected seals are paired greedily by type and owner, then type, then any, so
recall = paired / labelled,
precision = paired / detected; type accuracy is over pairs. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import IngestConfig  # noqa: E402
from pipeline.ingest import Ingestor, InputFile, make_source  # noqa: E402
from pipeline.seals import SealConfig, SealDetector, SealReader, classify  # noqa: E402
from pipeline.types import BBox  # noqa: E402


def norm(s: str | None) -> str | None:
    if s is None:
        return None
    return unicodedata.normalize("NFKC", s).replace(" ", "").replace("（", "(").replace("）", ")")


def iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def load_pages(path: Path, dpi: float | None):
    cfg = IngestConfig(dpi=int(dpi)) if dpi else IngestConfig()
    data = path.read_bytes()
    loaded = Ingestor(cfg)(InputFile(make_source(path.name, data), data))
    try:
        for i in range(loaded.page_count):
            p = loaded.page(i)
            img = p.image()
            if img is not None:
                yield i, img, p.dpi
    finally:
        loaded.close()


class Stats:
    def __init__(self) -> None:
        self.c = defaultdict(float)

    def add(self, k: str, v: float = 1.0) -> None:
        self.c[k] += v

    def ratio(self, a: str, b: str) -> str:
        return f"{self.c[a] / self.c[b]:.3f}" if self.c[b] else "-"


def run_file(path: Path, dpi, detector, reader, read: bool, st: Stats, sizes=None):
    """Detect (and read) every page; boxes are brought to the label's page size when the raster differs."""
    results = []
    for i, img, pdpi in load_pages(path, dpi):
        f = sizes[i][0] / img.shape[1] if sizes and i < len(sizes) else 1.0
        t0 = time.perf_counter()
        cands = detector(img, i, pdpi)
        st.add("det_s", time.perf_counter() - t0)
        st.add("pages")
        for c in cands:
            seal = None
            if read and not c.cross_page:
                t0 = time.perf_counter()
                texts = reader(img, c)
                st.add("read_s", time.perf_counter() - t0)
                st.add("read_n")
                seal = classify(c, texts)
            if abs(f - 1.0) > 1e-3:
                c = dataclasses.replace(c, bbox=c.bbox.scaled(f))
            results.append((c, seal))
    return results


class PipelineRunner:
    """``--pipeline``: each file through :class:`pipeline.run.Pipeline` (OCR, seals, classification, extraction and the
    owner confirmed by the document's own fields, seals/confirm.py), the seals taken from its documents' pages. One
    pipeline per label dpi, built once."""

    def __init__(self) -> None:
        self._pipelines: dict = {}

    def __call__(self, path: Path, dpi, st: Stats, sizes=None):
        from pipeline.config import PipelineConfig
        from pipeline.run import Pipeline

        key = int(dpi) if dpi else None
        if key not in self._pipelines:
            config = PipelineConfig(ingest=IngestConfig(dpi=key)) if key else PipelineConfig()
            self._pipelines[key] = Pipeline(config=config)
        data = path.read_bytes()
        documents, timer = self._pipelines[key].process_file(InputFile(make_source(path.name, data), data))
        st.add("pages", sum(len(d.pages) for d in documents))
        st.add("det_s", timer.seconds.get("seals", 0.0))
        results = []
        shapes = None
        for doc in documents:
            for page in doc.pages:
                back = None
                width = page.width
                if page.rotation or page.skew:  # boxes on the upright page taken back to the source raster's
                    from pipeline.ocr.orientation import upright_matrix

                    shapes = shapes or {i: img.shape[:2] for i, img, _ in load_pages(path, dpi)}
                    h, w = shapes[page.index]
                    m = np.vstack([upright_matrix((h, w), page.rotation, page.skew), [0, 0, 1]])
                    back, width = np.linalg.inv(m)[:2], w
                f = sizes[page.index][0] / width if sizes and page.index < len(sizes) else 1.0
                for seal in page.seals:
                    box = seal.bbox
                    if back is not None:
                        pts = np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x0, box.y1], [box.x1, box.y1]])
                        pts = pts @ back[:, :2].T + back[:, 2]
                        box = BBox(x0=pts[:, 0].min(), y0=pts[:, 1].min(), x1=pts[:, 0].max(), y1=pts[:, 1].max())
                    if abs(f - 1.0) > 1e-3:
                        box = box.scaled(f)
                    c = seal if box is seal.bbox else seal.model_copy(update={"bbox": box})
                    results.append((c, None if seal.cross_page else seal))
        return results


def score_pairs(pairs, st: Stats, failures: list, name: str):
    for gt, c, seal in pairs:
        if seal is None:
            continue
        st.add("typed")
        st.add("type_ok", seal.type.value == gt["type"])
        st.add("type_sure_wrong", seal.type.value != gt["type"] and seal.type_confidence >= 0.8)
        st.add("shape_ok", seal.shape.value == gt["shape"])
        if gt.get("owner") is not None:
            st.add("owner_n")
            st.add("owner_ok", norm(seal.owner) == norm(gt["owner"]))
        if gt.get("code") is not None:
            st.add("code_n")
            st.add("code_ok", norm(seal.code) == norm(gt["code"]))
        if seal.type.value != gt["type"] or norm(seal.owner) != norm(gt.get("owner")):
            failures.append(f"{name}: gt {gt['type']}/{gt['shape']}/{gt.get('owner')}/{gt.get('code')} -> "
                            f"{seal.type.value}/{seal.shape.value}/{seal.owner}/{seal.code} texts={seal.texts}")


def bench_synth(root: Path, detector, reader, read: bool, limit: int | None, runner=None):
    rows = []
    for setdir in sorted(p for p in root.iterdir() if (p / "labels").is_dir()):
        st, failures = Stats(), []
        labels = sorted((setdir / "labels").rglob("*.json"))[:limit]
        for lab in labels:
            d = json.loads(lab.read_text(encoding="utf-8"))
            path = setdir / d["file"]
            gts = [dict(s, cross=False) for s in d.get("seals", [])] + \
                  [dict(s, cross=True) for s in d.get("cross_page_seals", [])]
            res = runner(path, d.get("dpi"), st, d.get("page_sizes")) if runner else \
                run_file(path, d.get("dpi"), detector, reader, read, st, d.get("page_sizes"))
            st.add("gt", len(gts))
            st.add("det", len(res))
            used = set()
            pairs = []
            for c, seal in res:
                best, bj = 0.0, None
                for j, g in enumerate(gts):
                    if j in used or g.get("page", 0) != c.page:
                        continue
                    v = iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), g["bbox"])
                    if v > best:
                        best, bj = v, j
                if bj is not None and best >= 0.5:
                    used.add(bj)
                    st.add("tp")
                    st.add("cross_ok", gts[bj]["cross"] == c.cross_page)
                    if not gts[bj]["cross"]:
                        pairs.append((gts[bj], c, seal))
                else:
                    failures.append(f"{d['file']} p{c.page}: false positive {c.shape.value} "
                                    f"{[round(v) for v in (c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1)]} "
                                    f"iou={best:.2f}")
            for j, g in enumerate(gts):
                if j not in used:
                    failures.append(f"{d['file']} p{g.get('page')}: missed {g['type']}/{g['shape']} {g['bbox']}"
                                    f"{' cross' if g['cross'] else ''}")
            score_pairs(pairs, st, failures, d["file"])
        rows.append((setdir.name, st, failures))
    return rows


def _match_by_type(gts, seals):
    """Pairs each labelled seal with a detected one: of the same type and owner first, then of the same type, then
    any (two name seals on one page are paired by their owners, not by the order they were found in)."""
    used, pairs = set(), []

    def fits(g, s, pass_: int) -> bool:
        if pass_ == 2:
            return True
        same_type = s is not None and s.type.value == g["type"]
        return same_type and (pass_ == 1 or norm(s.owner) == norm(g.get("owner")))

    done: set[int] = set()
    for pass_ in (0, 1, 2):  # every label's exact match first, so none takes a seal another label reads exactly
        for i, g in enumerate(gts):
            if i in done:
                continue
            hit = next((j for j, (c, s) in enumerate(seals) if j not in used and fits(g, s, pass_)), None)
            if hit is not None:
                used.add(hit)
                done.add(i)
                pairs.append((g, seals[hit][0], seals[hit][1]))
    return pairs


def bench_real(root: Path, detector, reader, read: bool, runner=None):
    st, failures = Stats(), []
    for lab in sorted((root / "labels").rglob("*.json")):
        d = json.loads(lab.read_text(encoding="utf-8"))
        docs = d.get("documents") or [d]
        gts = [s for doc in docs for s in doc.get("seals", [])]
        path = root / d["file"]
        if not path.exists():
            continue
        try:
            res = runner(path, None, st) if runner else run_file(path, None, detector, reader, read, st)
            res = [r for r in res if not r[0].cross_page]
        except Exception as exc:  # noqa: BLE001 - report and go on
            failures.append(f"{d['file']}: {type(exc).__name__}: {exc}")
            continue
        st.add("gt", len(gts))
        st.add("det", len(res))
        pairs = _match_by_type(gts, res)
        st.add("tp", len(pairs))
        if len(res) != len(gts):
            failures.append(f"{d['file']}: {len(gts)} labelled, {len(res)} detected "
                            f"{[(c.shape.value, s and s.type.value, s and s.owner) for c, s in res]}")
        score_pairs(pairs, st, failures, d["file"])
    return [("realdata", st, failures)]


def table(rows, total_only: bool = False) -> str:
    out = ["| set | pages | labelled | detected | recall | precision | type acc | wrong type, conf >= 0.8 "
           "| shape acc | owner exact | code exact | det ms/page | read ms/seal |", "|" + "---|" * 13]
    tot = Stats()
    for name, st, _ in rows:
        for k, v in st.c.items():
            tot.add(k, v)
    lines = [] if total_only else [(n, s) for n, s, _ in rows]
    for name, st in lines + ([("all", tot)] if len(rows) > 1 or total_only else []):
        c = st.c
        out.append(f"| {name} | {int(c['pages'])} | {int(c['gt'])} | {int(c['det'])} | {st.ratio('tp', 'gt')} | "
                   f"{st.ratio('tp', 'det')} | {st.ratio('type_ok', 'typed')} | {int(c['type_sure_wrong'])} | "
                   f"{st.ratio('shape_ok', 'typed')} | "
                   f"{st.ratio('owner_ok', 'owner_n')} ({int(c['owner_n'])}) | {st.ratio('code_ok', 'code_n')} "
                   f"({int(c['code_n'])}) | {1000 * c['det_s'] / max(1, c['pages']):.0f} | "
                   f"{1000 * c['read_s'] / max(1, c['read_n']):.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synth", type=Path, help="folder of generated sets (each with labels/)")
    ap.add_argument("--realdata", type=Path)
    ap.add_argument("--no-read", action="store_true")
    ap.add_argument("--limit", type=int, default=None, help="label files per set")
    ap.add_argument("--failures", action="store_true", help="list every miss and misread")
    ap.add_argument("--total", action="store_true", help="one row for all sets (e.g. --synth fixtures/scenarios)")
    ap.add_argument("--name-model", default=None,
                    help="the seal-name recogniser: a model of models/manifest.toml, or 'engine' for the OCR engine's "
                         "(default: SealConfig.name_model)")
    ap.add_argument("--pipeline", action="store_true",
                    help="each file through the whole pipeline (OCR and extraction too): the owners as the report "
                         "gives them, confirmed by the document's own fields (seals/confirm.py); the det column is "
                         "then the seal stage's time per page, detection and reading together")
    args = ap.parse_args(argv)
    runner = PipelineRunner() if args.pipeline else None
    detector = SealDetector(SealConfig())
    reader = None
    if not args.no_read and runner is None:
        from pipeline.ocr.base import get_engine
        from pipeline.seals.recogniser import name_recogniser

        model = SealConfig().name_model if args.name_model is None else args.name_model
        names = name_recogniser(model) if model != "engine" else None
        reader = SealReader(get_engine("rapidocr"), SealConfig(), names)
    rows = []
    if args.synth:
        rows += bench_synth(args.synth, detector, reader, not args.no_read, args.limit, runner)
    if args.realdata:
        rows += bench_real(args.realdata, detector, reader, not args.no_read, runner)
    print(f"load: {os.getloadavg()[0]:.2f}\n")
    print(table(rows, args.total))
    if args.failures:
        for name, _, failures in rows:
            print(f"\n### {name}\n")
            for f in failures:
                print("-", f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
