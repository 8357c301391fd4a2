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
    # Reference lists of the programmes (catalogues, enterprise lists); default: the repository's fixtures/reference.
    reference_dir: Path | None = None


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


class SealConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    enabled: bool = True
    # Detection runs on a copy of the page at this resolution (a 40 mm seal is ~160 px wide there).
    work_dpi: float = Field(default=100.0, ge=40, le=300)
    # A seal (or the visible part of one) spans at least this many mm; at most this many for a single seal.
    min_size_mm: float = 11.0
    max_size_mm: float = 75.0  # generous: an image without a dpi may be scanned at 300 dpi and read as 200
    min_ring_mm: float = 20.0  # a ring found by template matching (round and oval seals) is at least this tall
    # ...and a cross-page slice at a page edge at least this wide (mm) and this tall.
    min_slice_mm: float = 3.0
    min_slice_len_mm: float = 10.0
    piece_gap_mm: float = 2.0  # pieces of one ring this close are joined...
    max_pieces_mm: float = 48.0  # ...while the whole stays this small (a name seal beside a company seal does not)
    edge_mm: float = 1.5  # a region this close to the page edge touches it
    # A region needs this share of red-ink pixels in its box (rings and text; paper texture gives less).
    min_ink_fill: float = 0.04
    # Seal ink is red to pink; orange-brown (invoice form print) has (G - B) / (R - min(G, B)) above this.
    max_hue_ratio: float = 0.3
    # A region counts as a seal when at least this share of its fitted outline is inked (partial impressions ~0.5).
    min_support: float = 0.4
    rule_mm: float = 25.0  # straight red rules at least this long are form print, removed before grouping
    # Shape fit: convex hull area / min-area rectangle area above this is a square (a disc gives pi/4).
    square_fill: float = 0.9
    oval_aspect: float = 1.18  # axis ratio above which an ellipse is an oval (real ovals are 4:3 or longer)
    # Two seals overlapping: a region whose ellipse fit explains fewer than this share of its outline is split.
    ring_support_min: float = 0.55
    split_aspect: float = 1.55  # ...and so is an "ellipse" longer than this (real oval seals are at most 3:2)
    # Greyscale pages (no colour): rings found by their structure, reported at most at this confidence.
    grey_enabled: bool = True
    grey_max_confidence: float = 0.55
    # Reading: the arc text band, as shares of the ring radius measured inward (its height is what counts: it starts
    # where the ring's ink ends).
    arc_band: tuple[float, float] = (0.0, 0.36)
    arc_stretch: float = 1.0  # the unrolled name is widened by this factor before recognition
    read_text: bool = True
    min_text_score: float = 0.3
    # The recogniser of the name along a round or oval seal's rim: a model of models/manifest.toml fine-tuned on
    # unrolled seal names (docs/seal_rec.md), or None for the OCR engine's own recogniser.
    name_model: str | None = "seal-rec"
    # A seal's owner confirmed by a name its own document's fields print (seals/confirm.py): taken when at least
    # confirm_seen of that name's characters were seen on the seal and its mean log-likelihood ratio against the free
    # reading is at least confirm_llr (misread true names -0.01 to -1.2, another name on the document -1.84 or less).
    confirm_owner: bool = True
    confirm_llr: float = Field(default=-1.25, le=0.0)
    confirm_seen: float = Field(default=0.9, gt=0.0, le=1.0)


class PipelineConfig(BaseModel):
    """Thresholds and switches for one run. Pass a modified copy (``model_copy(update=...)``) to change them."""

    model_config = ConfigDict(frozen=True)

    ingest: IngestConfig = IngestConfig()
    ocr: OcrConfig = OcrConfig()
    seals: SealConfig = SealConfig()
    on_error: Literal["record", "raise"] = "record"  # per-file failures: record in the report, or raise
