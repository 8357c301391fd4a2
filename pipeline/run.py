"""Wires the stages together. Build a :class:`Pipeline` once per process; call it per submission, from any thread.

Each file is processed on its own: a file that fails (corrupt, encrypted, unsupported, or a stage that breaks on one of
its pages) becomes a :class:`FileError` in the report and the rest of the submission goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline import __version__
from pipeline.config import PipelineConfig, Settings
from pipeline.errors import ConfigError, InputError, PipelineError, StageError
from pipeline.extract import DocumentStage
from pipeline.ingest import Ingestor, InputFile, collect
from pipeline.ingest.colour import colour_mode
from pipeline.ocr.base import get_engine
from pipeline.ocr.reader import PageReader
from pipeline.rules import Intake, RuleEngine, load_intake, load_pack
from pipeline.rules.intake import MANIFEST_NAME, find_intake
from pipeline.seals import SealStage
from pipeline.seals.stamps import with_stamps
from pipeline.types import Document, FileError, Page, Provenance, Report, StageTiming, Submission

log = logging.getLogger(__name__)

# Called after each page: (file id, page index, page count of that file).
ProgressFn = Callable[[str, int, int], None]


@dataclass
class _Timer:
    seconds: dict[str, float] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)

    def add(self, stage: str, seconds: float, pages: int = 0) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.pages[stage] = self.pages.get(stage, 0) + pages

    def merge(self, other: "_Timer") -> None:
        for stage, s in other.seconds.items():
            self.add(stage, s, other.pages.get(stage, 0))

    def timings(self) -> tuple[StageTiming, ...]:
        return tuple(StageTiming(stage=s, seconds=round(v, 4), pages=self.pages.get(s, 0)) for s, v in self.seconds.items())


class Pipeline:
    """Models are loaded once here; :meth:`analyze` is reentrant."""

    def __init__(self, settings: Settings | None = None, config: PipelineConfig | None = None) -> None:
        self.settings = settings or Settings()
        self.config = config or PipelineConfig()
        cjk_font = str(self.settings.cjk_font) if self.settings.cjk_font else None
        self.ingest = Ingestor(self.config.ingest, renderer=self.settings.pdf_renderer, cjk_font=cjk_font)
        self.engine = get_engine(self.settings.ocr_engine, self.settings, self.config.ocr)
        self.reader = PageReader(self.engine, self.config, self.settings)
        self.seals = SealStage(self.engine, self.config.seals)
        self.documents = DocumentStage(seals=self.config.seals)
        self._rule_engines: dict[tuple, RuleEngine] = {}
        self._lock = threading.Lock()

    # -- one file -------------------------------------------------------------------------------------------------
    def read_file(self, item: InputFile, progress: ProgressFn | None = None) -> tuple[Document, _Timer]:
        """One file read into typed pages (text layer, OFD text or OCR), before classification: one Document."""
        timer = _Timer()
        t0 = time.perf_counter()
        loaded = self.ingest(item)
        timer.add("open", time.perf_counter() - t0)
        pages: list[Page] = []
        try:
            for index in range(loaded.page_count):
                t0 = time.perf_counter()
                raster = loaded.page(index)
                needs_ocr = self.reader.needs_ocr(raster)
                read = self.reader(raster)
                timer.add("ocr" if needs_ocr else "text_layer", time.perf_counter() - t0, 1)
                # seals on the upright raster the text was read from (a digital page is rendered for its seal images)
                t0 = time.perf_counter()
                image = read.image if read.image is not None else raster.image()
                seals = self.seals(image, read.page) if image is not None else ()
                if raster.stamps:  # a signed OFD: the e-seals' names (seals/stamps.py)
                    seals = with_stamps(seals, raster.stamps)
                colour = colour_mode(image) if image is not None else None
                timer.add("seals", time.perf_counter() - t0, 1)
                pages.append(read.page.model_copy(update={"seals": seals, "colour": colour}))
                if progress:
                    progress(item.source.id, index, loaded.page_count)
        finally:
            loaded.close()
        document = Document(
            id=item.source.id,
            file_id=item.source.id,
            pages=tuple(pages),
            embedded=loaded.embedded,
            metadata=loaded.metadata,
            provenance=Provenance(stage="ingest", engine=self.ingest.loaders[item.source.media_type].name),
        )
        return document, timer

    def process_file(self, item: InputFile, progress: ProgressFn | None = None) -> tuple[list[Document], _Timer]:
        """One file's typed documents with their fields (a PDF of 29 invoices is 29 documents)."""
        document, timer = self.read_file(item, progress)
        t0 = time.perf_counter()
        documents = self.documents(document)
        timer.add("extract", time.perf_counter() - t0, len(document.pages))
        return documents, timer

    # -- a submission ---------------------------------------------------------------------------------------------
    def analyze(
        self,
        paths: Iterable[str | Path],
        submission_id: str | None = None,
        progress: ProgressFn | None = None,
        workers: int = 1,
        exclude: Iterable[str] = (),
    ) -> Report:
        paths = list(paths)
        t0 = time.perf_counter()
        # a submission folder's intake manifest is metadata, not evidence
        exclude = (MANIFEST_NAME, *exclude)
        files, collect_errors = collect(paths, self.config.ingest.archive, exclude=exclude)
        timer = _Timer()
        timer.add("collect", time.perf_counter() - t0)
        errors = [FileError(file=e.file, error=type(e).__name__, message=e.reason, stage="collect") for e in collect_errors]
        if self.config.on_error == "raise" and collect_errors:
            raise collect_errors[0]
        sid = submission_id or (Path(paths[0]).name if len(paths) == 1 else "submission")
        return self.analyze_files(files, sid, errors=errors, timer=timer, progress=progress, workers=workers)

    # -- a submission through a rule pack -------------------------------------------------------------------------
    def rules(self, programme: str, reference_dir: str | Path | None = None) -> RuleEngine:
        """The rule engine of a programme's pack, loaded and validated once per process."""
        reference_dir = reference_dir or self.settings.reference_dir
        key = (programme, str(reference_dir) if reference_dir else None)
        with self._lock:
            engine = self._rule_engines.get(key)
            if engine is None:
                engine = self._rule_engines[key] = RuleEngine(load_pack(programme, reference_dir))
            return engine

    def check(
        self,
        folder: str | Path,
        programme: str | None = None,
        intake: Intake | str | Path | None = None,
        reference_dir: str | Path | None = None,
        exclude: Iterable[str] = (),
        progress: ProgressFn | None = None,
        workers: int = 1,
        submission_id: str | None = None,
    ) -> Report:
        """A submission (folder, zip or file) read, bundled by contract and run through its programme's rule pack.

        The intake manifest is ``intake`` or the folder's ``manifest.json`` when there is one (it is not evidence, so it
        is not read as a file); the programme is ``programme`` or the manifest's."""
        folder = Path(folder)
        if intake is None and folder.is_dir() and find_intake(folder):
            intake = find_intake(folder)
        if isinstance(intake, (str, Path)):
            intake = load_intake(intake)
        intake = intake or Intake()
        programme = programme or intake.programme
        if not programme:
            raise ConfigError(f"{folder}: no programme given (--program) and none in the intake manifest")
        engine = self.rules(programme, reference_dir)  # a bad pack fails before any OCR is spent
        report = self.analyze([folder], submission_id=submission_id, progress=progress, workers=workers,
                              exclude=exclude)
        return assess(report, engine, intake)

    def analyze_files(
        self,
        files: list[InputFile],
        submission_id: str,
        errors: list[FileError] | None = None,
        timer: _Timer | None = None,
        progress: ProgressFn | None = None,
        workers: int = 1,
    ) -> Report:
        errors = list(errors or [])
        timer = timer or _Timer()
        results: list[tuple[list[Document], _Timer] | FileError] = []

        def run_one(item: InputFile):
            try:
                return self.process_file(item, progress)
            except Exception as exc:
                if self.config.on_error == "raise":
                    raise
                return _file_error(item, exc)

        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(run_one, files))
        else:
            results = [run_one(item) for item in files]

        documents = []
        for result in results:
            if isinstance(result, FileError):
                errors.append(result)
            else:
                documents.extend(result[0])
                timer.merge(result[1])
        return Report(
            pipeline_version=__version__,
            generated_at=datetime.now(timezone.utc),
            submission=Submission(id=submission_id, files=tuple(f.source for f in files), documents=tuple(documents)),
            errors=tuple(errors),
            ocr_engine=f"{self.engine.name} {self.engine.version}",
            timings=timer.timings(),
        )


def assess(report: Report, engine: RuleEngine, intake: Intake | None = None) -> Report:
    """The report with the rule pack's findings and assessment; no OCR. Use it to re-run the rules on a saved report
    whose fields a reviewer corrected."""
    findings, assessment, seconds = engine.assess(report.submission.documents, intake)
    timings = tuple(t for t in report.timings if t.stage != "rules") + (StageTiming(stage="rules",
                                                                                    seconds=round(seconds, 4)),)
    return report.model_copy(update={"findings": findings, "assessment": assessment, "timings": timings})


def _file_error(item: InputFile, exc: Exception) -> FileError:
    if isinstance(exc, InputError):
        return FileError(file=exc.file, error="InputError", message=exc.reason, stage="ingest")
    if isinstance(exc, StageError):
        return FileError(file=item.source.id, error="StageError", message=str(exc), stage=exc.stage, page=exc.page)
    if isinstance(exc, PipelineError):
        return FileError(file=item.source.id, error=type(exc).__name__, message=str(exc))
    # A bug in a stage: keep the traceback in the log, keep the rest of the submission going.
    log.exception("unexpected failure on %s", item.source.id)
    return FileError(file=item.source.id, error=type(exc).__name__, message=f"internal error: {exc}")
