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
    _engine_options(a)
    c = sub.add_parser("check", help="pre-screen a submission against a programme's rule pack: findings, verdict, report")
    c.add_argument("path", metavar="SUBMISSION", type=Path, help="submission folder (with its manifest.json), zip or file")
    c.add_argument("--program", "--programme", dest="programme",
                   help="rule pack (beijing-2024, shenzhen-2025, or a pack file); default: the manifest's programme")
    c.add_argument("--intake", type=Path, help="intake manifest (default: SUBMISSION/manifest.json when present)")
    c.add_argument("--reference", type=Path, help="folder of the programme's reference lists "
                   "(default: EVIDENCE_REFERENCE_DIR or fixtures/reference)")
    c.add_argument("--out", type=Path, help="folder for report.json, report.html and summary.csv "
                   "(default: evidence-report/<submission>)")
    c.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out files whose path matches (repeatable), e.g. 'labels/*'")
    _engine_options(c)
    r = sub.add_parser("recheck", help="run the rules again on a saved report.json (e.g. with corrected fields): no OCR")
    r.add_argument("report", type=Path, help="a report.json written by `evidence check` or `evidence analyze --json`")
    r.add_argument("--program", "--programme", dest="programme", help="rule pack (default: the report's programme)")
    r.add_argument("--intake", type=Path, help="intake manifest")
    r.add_argument("--reference", type=Path, help="folder of the programme's reference lists")
    r.add_argument("--submission-folder", type=Path, help="the submission's files, for evidence crops in the HTML")
    r.add_argument("--out", type=Path, required=True, help="folder for report.json, report.html and summary.csv")
    r.add_argument("--quiet", "-q", action="store_true")
    sub.add_parser("models", help="list the model files of models/manifest.toml and verify their sha256")
    return parser


def _engine_options(a: argparse.ArgumentParser) -> None:
    a.add_argument("--engine", help="OCR engine (rapidocr, tesseract, paddleocr); default from EVIDENCE_OCR_ENGINE or rapidocr")
    a.add_argument("--renderer", help="PDF renderer (pymupdf, pdf2image)")
    a.add_argument("--dpi", type=int, help="render resolution for PDF pages (default 200)")
    a.add_argument("--suppress-red-ink", action="store_true", help="remove red seal ink before OCR")
    a.add_argument("--no-orientation", action="store_true", help="do not detect page rotation and skew")
    a.add_argument("--workers", type=int, default=1, help="files processed in parallel threads (default 1)")
    a.add_argument("--submission-id", help="id written into the report (default: the folder or file name)")
    a.add_argument("--quiet", "-q", action="store_true", help="print no summary and no progress bar")


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


def format_assessment(report: Report) -> str:
    a = report.assessment
    if a is None:
        return "No rule pack was run."
    lines = [f"Programme {a.programme} (pack {a.pack_version}): {a.verdict.value.upper().replace('_', ' ')}",
             f"  recognised total {a.recognised_total}, estimated subsidy {a.subsidy}"]
    lines += [f"  - {r}" for r in a.reasons[:12]]
    lines.append("Contracts:")
    for c in a.contracts:
        how = "" if c.grouping == "manifest" else f", grouped automatically ({c.grouping_confidence:.2f})"
        excl = f", excluded by {', '.join(c.excluded_by)}" if c.excluded_by else ""
        lines.append(f"  {c.id} {c.contract_number or '?'}: {c.verdict.value}, contract {c.contract_total}, invoices "
                     f"{c.invoice_total_counted}, paid {c.paid_total_counted}"
                     f"{', eligible items ' + c.eligible_items if c.eligible_items else ''}, recognised {c.recognised}"
                     f"{excl}{how} [{len(c.documents)} documents]")
    if a.unassigned:
        lines.append(f"  not in any contract: {', '.join(a.unassigned)}")
    order = {"fail": 0, "review": 1}
    shown = sorted((f for f in report.findings if f.status.value != "pass" and not f.standing),
                   key=lambda f: (order[f.status.value], f.contract or "", f.rule_id))
    lines.append(f"Findings: {sum(f.status.value == 'fail' for f in report.findings)} fail, "
                 f"{sum(f.status.value == 'review' and not f.standing for f in report.findings)} review, "
                 f"{sum(f.standing for f in report.findings)} standing review, "
                 f"{sum(f.status.value == 'pass' for f in report.findings)} pass")
    for f in shown:
        lines.append(f"  {f.status.value.upper():6s} {f.rule_id:5s} {f.contract or '-':3s} {f.message}")
    return "\n".join(lines)


def _write_outputs(report: Report, out: Path, folder: Path | None, ingest=None) -> dict:
    from pipeline.report import PageImages, write_outputs

    if folder is None or not folder.exists():
        return write_outputs(report, out, None)
    with PageImages.for_report(folder, report, ingest) as images:
        return write_outputs(report, out, images)


def _check(args: argparse.Namespace) -> int:
    from pipeline.run import Pipeline

    settings, config = _settings_and_config(args)
    pipeline = Pipeline(settings, config)
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    try:
        report = pipeline.check(args.path, programme=args.programme, intake=args.intake, reference_dir=args.reference,
                                exclude=args.exclude, progress=progress, workers=args.workers,
                                submission_id=args.submission_id)
    finally:
        progress.close()
    out = args.out or Path("evidence-report") / report.submission.id
    root = args.path if args.path.is_dir() else args.path.parent
    written = _write_outputs(report, out, root, pipeline.ingest)
    if not args.quiet:
        print(format_summary(report))
        print(format_assessment(report))
        print("Written: " + ", ".join(str(p) for p in written.values()))
    return 1 if report.errors else 0


def _recheck(args: argparse.Namespace) -> int:
    from pipeline.rules import Intake, RuleEngine, load_intake, load_pack
    from pipeline.run import assess

    try:
        report = Report.model_validate_json(args.report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipelineError(f"{args.report}: not a report JSON: {str(exc)[:300]}") from exc
    intake = load_intake(args.intake) if args.intake else Intake()
    programme = args.programme or intake.programme or (report.assessment.programme if report.assessment else None)
    if not programme:
        raise PipelineError(f"{args.report}: no programme given (--program) and none in the report or intake")
    reference = args.reference or Settings().reference_dir
    report = assess(report, RuleEngine(load_pack(programme, reference)), intake)
    written = _write_outputs(report, args.out, args.submission_folder)
    if not args.quiet:
        print(format_assessment(report))
        print("Written: " + ", ".join(str(p) for p in written.values()))
    return 0


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
        if args.command == "check":
            return _check(args)
        if args.command == "recheck":
            return _recheck(args)
        if args.command == "models":
            return _models()
    except PipelineError as exc:
        print(f"evidence: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
