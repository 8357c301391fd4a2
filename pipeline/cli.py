"""The ``evidence`` command. I/O around the library, nothing else."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.config import PipelineConfig, Settings
from pipeline.errors import PipelineError
from pipeline.types import Report


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evidence", description="Pre-screen subsidy evidence: pages, text, seals, fields.")
    parser.add_argument("--version", action="version", version=f"evidence-pipeline {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="read files, folders and zip archives into a typed report")
    a.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or zip archives of one submission")
    a.add_argument("--json", metavar="OUT", type=Path, help="write the report JSON here")
    a.add_argument("--engine", help="OCR engine (rapidocr, tesseract, paddleocr); default from EVIDENCE_OCR_ENGINE or rapidocr")
    a.add_argument("--renderer", help="PDF renderer (pymupdf, pdf2image)")
    a.add_argument("--dpi", type=int, help="render resolution for PDF pages (default 200)")
    a.add_argument("--suppress-red-ink", action="store_true", help="remove red seal ink before OCR")
    a.add_argument("--no-orientation", action="store_true", help="do not detect page rotation and skew")
    a.add_argument("--workers", type=int, default=1, help="files processed in parallel threads (default 1)")
    a.add_argument("--submission-id", help="id written into the report (default: the folder or file name)")
    a.add_argument("--quiet", "-q", action="store_true", help="print no summary and no progress bar")
    sub.add_parser("models", help="list the model files of models/manifest.toml and verify their sha256")
    return parser


def _settings_and_config(args: argparse.Namespace) -> tuple[Settings, PipelineConfig]:
    overrides = {}
    if args.engine:
        overrides["ocr_engine"] = args.engine
    if args.renderer:
        overrides["pdf_renderer"] = args.renderer
    settings = Settings(**overrides)
    config = PipelineConfig()
    ingest = config.ingest.model_copy(update={k: v for k, v in {
        "dpi": args.dpi, "orientation": False if args.no_orientation else None}.items() if v is not None})
    ocr = config.ocr.model_copy(update={"suppress_red_ink": True} if args.suppress_red_ink else {})
    return settings, config.model_copy(update={"ingest": ingest, "ocr": ocr})


class _Progress:
    """A page progress bar on stderr, shown once the run has more than one page and stderr is a terminal."""

    def __init__(self, enabled: bool, file=None) -> None:
        self.enabled = enabled
        self.file = file or sys.stderr
        self.bar = None
        self.seen: set[str] = set()

    def __call__(self, file_id: str, index: int, count: int) -> None:
        if not self.enabled:
            return
        if file_id not in self.seen:
            self.seen.add(file_id)
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=0, unit="page", file=self.file, dynamic_ncols=True, leave=False, mininterval=0)
            self.bar.total += count
            self.bar.refresh()
        self.bar.set_description(file_id[-40:])
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def format_summary(report: Report) -> str:
    sub = report.submission
    n_pages = sum(len(d.pages) for d in sub.documents)
    lines = [
        f"Submission {sub.id}: {len(sub.files)} files, {len(sub.documents)} documents, {n_pages} pages, "
        f"{len(report.errors)} errors (OCR engine {report.ocr_engine})"
    ]
    media = {f.id: f.media_type.split("/")[-1] for f in sub.files}
    for doc in sub.documents:
        kinds = sorted({p.kind.value for p in doc.pages})
        n_lines = sum(len(p.lines) for p in doc.pages)
        confs = [p.ocr_confidence for p in doc.pages if p.ocr_confidence is not None]
        extra = f", OCR confidence {sum(confs) / len(confs):.2f}" if confs else ""
        turned = [f"p{p.index + 1}:{p.rotation}°" for p in doc.pages if p.rotation]
        if turned:
            extra += f", turned upright {' '.join(turned)}"
        if doc.embedded:
            extra += f", embedded data: {sum(len(e.entries) for e in doc.embedded)} entries"
        pages = f"{len(doc.pages)} page{'s' if len(doc.pages) != 1 else ''}"
        lines.append(f"  {doc.id}  {doc.doc_type.value} ({doc.doc_type_confidence:.2f}) [{media.get(doc.file_id, '?')}] "
                     f"{pages}, {'/'.join(kinds)}, {n_lines} text lines{extra}")
        found = [f for f in doc.fields if f.value is not None and not f.name.startswith("items.")]
        for i in range(0, len(found), 3):
            lines.append("      " + "   ".join(f"{f.name}={f.value}" for f in found[i : i + 3]))
        missing = [f.name for f in doc.fields if f.value is None and not f.name.startswith("items.")]
        if missing:
            lines.append(f"      not found: {', '.join(missing)}")
        for seal in doc.seals:
            owner = f" {seal.owner}" if seal.owner else ""
            code = f" [{seal.code}]" if seal.code else ""
            where = " cross-page slice" if seal.cross_page else ""
            lines.append(f"      seal p{seal.page + 1}: {seal.type.value}/{seal.shape.value}{owner}{code}{where} "
                         f"({seal.confidence:.2f})")
        for signal in doc.signals:
            lines.append(f"      ! {signal.code}: {signal.message}")
    if report.errors:
        lines.append("Errors:")
        lines += [f"  {e.file}: {e.message}" for e in report.errors]
    timing = ", ".join(
        f"{t.stage} {t.seconds:.2f} s" + (f" ({t.pages} pages, {t.seconds / t.pages:.2f} s/page)" if t.pages else "")
        for t in report.timings
    )
    lines.append(f"Timings: {timing}")
    return "\n".join(lines)


def _analyze(args: argparse.Namespace) -> int:
    from pipeline.run import Pipeline

    settings, config = _settings_and_config(args)
    pipeline = Pipeline(settings, config)
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    try:
        report = pipeline.analyze(args.paths, submission_id=args.submission_id, progress=progress, workers=args.workers)
    finally:
        progress.close()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    if not args.quiet:
        print(format_summary(report))
        if args.json:
            print(f"Report written to {args.json}")
    return 1 if report.errors else 0


def _models() -> int:
    from pipeline.models import check_all

    results = check_all()
    for spec, status in results:
        where = f"{spec.package}:{spec.path}" if spec.package else spec.path
        print(f"{spec.name:24s} {status:22s} {where}")
    return 1 if any(status.startswith("error") for _, status in results) else 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("EVIDENCE_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "analyze":
            return _analyze(args)
        if args.command == "models":
            return _models()
    except PipelineError as exc:
        print(f"evidence: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
