"""Configuration: :class:`Settings` for paths and services (environment, prefix ``EVIDENCE_``) and
:class:`PipelineConfig` for thresholds. Each default is written once, here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where things are and which backends to use. Read from the environment (``EVIDENCE_OCR_ENGINE=tesseract``)."""

    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", frozen=True)

    ocr_engine: str = "rapidocr"
    pdf_renderer: str = "pymupdf"
    models_dir: Path = REPO_ROOT / "models"
    # PaddleOCR backend: local model directories (inference.json/.pdiparams or inference.pdmodel/.pdiparams).
    paddle_det_model_dir: Path | None = None
    paddle_rec_model_dir: Path | None = None
    paddle_cls_model_dir: Path | None = None
    # A CJK font file for drawing OFD pages; default: Noto CJK found under the system font folders.
    cjk_font: Path | None = None
    tesseract_cmd: str = "tesseract"
    tesseract_lang: str = "chi_sim+eng"
    # Inference threads per engine. We scale by processes, so one thread per process is the default.
    ocr_threads: int = Field(default=1, ge=1)
    verify_models: bool = True


class ArchiveLimits(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_files: int = 2000
    max_total_bytes: int = 2 * 1024**3  # uncompressed
    max_file_bytes: int = 512 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed, per member and overall
    max_depth: int = 2  # zips inside zips


class IngestConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    dpi: int = Field(default=200, ge=50, le=600)
    # A photo larger than this on its long side is scaled down before anything else looks at it.
    max_image_side: int = 3000
    # A PDF page uses its text layer when it has at least this many visible characters...
    text_layer_min_chars: int = 10
    # ...of which at least this share are printable CJK, Latin, digits or punctuation (not U+FFFD, private use, controls).
    text_layer_min_quality: float = 0.9
    max_pages_per_file: int = 500
    max_file_bytes: int = 200 * 1024**2
    max_image_pixels: int = 200_000_000
    orientation: bool = True  # detect 90/180/270 rotations and small skew on raster pages
    max_skew_degrees: float = 8.0
    archive: ArchiveLimits = ArchiveLimits()


class OcrConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Detection runs on the page scaled so its long side is at most this many pixels (docs/benchmarks.md: 960 finds
    # every line of a dense A4 page at 200 dpi and of the real invoices, at a third of the time of 1600).
    det_max_side: int = 960
    det_thresh: float = 0.3
    det_box_thresh: float = 0.5
    det_unclip_ratio: float = 1.6
    rec_batch_size: int = 8
    min_text_score: float = 0.5
    use_cls: bool = True  # 180-degree line classifier
    suppress_red_ink: bool = False  # remove red seal ink before OCR so the text under a seal is read


class PipelineConfig(BaseModel):
    """Thresholds and switches for one run. Pass a modified copy (``model_copy(update=...)``) to change them."""

    model_config = ConfigDict(frozen=True)

    ingest: IngestConfig = IngestConfig()
    ocr: OcrConfig = OcrConfig()
    on_error: Literal["record", "raise"] = "record"  # per-file failures: record in the report, or raise
