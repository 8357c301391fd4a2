"""The typed data model, end to end: Submission -> Document -> Page -> {TextLine, Seal} -> Field, plus Finding and Report.

All models are frozen pydantic v2 models and round-trip through JSON. Every region carries the page it lies on, a box
in that page's pixel space (the page raster at ``Page.dpi``, origin top-left, after the page was turned upright) and a
confidence in [0, 1]. Every produced object says which stage and engine made it (:class:`Provenance`).

Pages are identified within a submission by ``(file_id, index)``; ``index`` is 0-based in the source file.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field as PydField, field_validator

SCHEMA_VERSION = "1.1"

Confidence = float  # always in [0, 1]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocType(StrEnum):
    contract = "contract"
    invoice = "invoice"
    bank_slip = "bank_slip"
    acceptance = "acceptance"
    voucher = "voucher"
    other = "other"


class SealType(StrEnum):
    official = "official"
    finance = "finance"
    contract = "contract"
    invoice = "invoice"
    supervision = "supervision"
    legal_rep = "legal_rep"
    bank = "bank"
    other = "other"


class SealShape(StrEnum):
    round = "round"
    oval = "oval"
    square = "square"
    other = "other"


class PageKind(StrEnum):
    """Where a page's text comes from."""

    digital = "digital"  # PDF page with a usable text layer: words and boxes taken from it, no OCR
    scanned = "scanned"  # raster (image file or image-only PDF page): text comes from OCR
    ofd = "ofd"  # OFD page: text objects with positions from the package's XML


class TextSource(StrEnum):
    ocr = "ocr"
    text_layer = "text_layer"
    ofd = "ofd"


class Provenance(_Frozen):
    """Which stage produced an object, and with which engine or parser (name and version)."""

    stage: str
    engine: str | None = None
    version: str | None = None


class BBox(_Frozen):
    """An axis-aligned box in page pixels (the upright page raster at ``Page.dpi``; origin top-left).

    ``polygon`` optionally holds the exact outline (four or more points) of a rotated region such as a seal or a
    skewed text line; the box is then its bounding rectangle.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    polygon: tuple[tuple[float, float], ...] | None = None
    space: Literal["page_px"] = "page_px"

    @field_validator("x1")
    @classmethod
    def _x_order(cls, v: float, info) -> float:
        if "x0" in info.data and v < info.data["x0"]:
            raise ValueError(f"x1 ({v}) < x0 ({info.data['x0']})")
        return v

    @field_validator("y1")
    @classmethod
    def _y_order(cls, v: float, info) -> float:
        if "y0" in info.data and v < info.data["y0"]:
            raise ValueError(f"y1 ({v}) < y0 ({info.data['y0']})")
        return v

    @classmethod
    def from_points(cls, points) -> "BBox":
        """Bounding box of a sequence of (x, y) points; the points are kept as the polygon."""
        pts = tuple((float(x), float(y)) for x, y in points)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return cls(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys), polygon=pts)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def share_inside(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """The share of this box's area that lies inside the box (x0, y0, x1, y1) (a box under a pixel counts as
        one pixel)."""
        ix = max(0.0, min(self.x1, x1) - max(self.x0, x0))
        iy = max(0.0, min(self.y1, y1) - max(self.y0, y0))
        return ix * iy / max(1.0, self.width * self.height)

    def scaled(self, factor: float) -> "BBox":
        poly = None if self.polygon is None else tuple((x * factor, y * factor) for x, y in self.polygon)
        return BBox(x0=self.x0 * factor, y0=self.y0 * factor, x1=self.x1 * factor, y1=self.y1 * factor, polygon=poly)


class Region(_Frozen):
    """Where something lies: a page of a file and a box on it."""

    file_id: str
    page: int
    bbox: BBox


class TextLine(_Frozen):
    """One line of text on a page, NFKC-normalised."""

    text: str
    bbox: BBox
    confidence: Confidence = PydField(ge=0.0, le=1.0)
    source: TextSource
    provenance: Provenance


class Seal(_Frozen):
    type: SealType
    shape: SealShape
    owner: str | None = None
    code: str | None = None
    bbox: BBox
    page: int
    confidence: Confidence = PydField(ge=0.0, le=1.0)
    type_confidence: Confidence = PydField(default=0.0, ge=0.0, le=1.0)
    owner_confidence: Confidence = PydField(default=0.0, ge=0.0, le=1.0)
    texts: tuple[str, ...] = ()  # the words read on the seal, the evidence for type and owner
    cross_page: bool = False  # a slice of a cross-page seal (骑缝章) at a page edge
    # The recogniser's top characters per time step along the owner's arc (pipeline/ocr/lattice.py): a party's name is
    # verified against it by the rules (X-02, BJ-10), which a misread of the owner text does not defeat.
    owner_lattice: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] | None = None
    provenance: Provenance


class Field(_Frozen):
    """One extracted field, named as in FIELDS.md, with its raw text, normalised value and the region it came from."""

    name: str
    value: str | None
    raw: str | None = None
    confidence: Confidence = PydField(ge=0.0, le=1.0)
    region: Region | None = None
    provenance: Provenance


class Page(_Frozen):
    file_id: str
    index: int = PydField(ge=0)
    width: int = PydField(gt=0)
    height: int = PydField(gt=0)
    dpi: float = PydField(gt=0)
    kind: PageKind
    rotation: Literal[0, 90, 180, 270] = 0  # clockwise degrees the source was turned to make it upright
    skew: float = 0.0  # degrees of small-skew correction applied
    lines: tuple[TextLine, ...] = ()
    seals: tuple[Seal, ...] = ()
    ocr_confidence: Confidence | None = None  # mean line confidence where OCR ran
    # colour information of the raster seals were looked for on: a greyscale copy or a fax has no red to find
    colour: Literal["colour", "grey", "bilevel"] | None = None
    provenance: Provenance

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class KeyValue(_Frozen):
    key: str
    value: str


class EmbeddedData(_Frozen):
    """Structured data carried inside a file, e.g. an OFD e-invoice's invoice XML or tags."""

    name: str
    entries: tuple[KeyValue, ...]
    provenance: Provenance


class SourceFile(_Frozen):
    id: str  # stable within the submission: the path relative to the submission root
    name: str
    sha256: str
    size: int
    media_type: str  # detected from content, not from the extension
    parent: str | None = None  # id of the archive it was extracted from


class Signal(_Frozen):
    """A tamper or consistency signal found on a document, for the rules stage (e.g. a PDF edited after issue, an
    amount in figures that disagrees with the amount in words, a tax id whose check character is wrong)."""

    code: str  # pdf_incremental_update | pdf_edited_after_issue | pdf_modified_after_creation | figures_words_mismatch | tax_id_check_invalid
    message: str
    fields: tuple[str, ...] = ()
    evidence: tuple[Region, ...] = ()
    provenance: Provenance


class Document(_Frozen):
    id: str
    doc_type: DocType = DocType.other
    doc_type_confidence: Confidence = PydField(default=0.0, ge=0.0, le=1.0)
    file_id: str
    pages: tuple[Page, ...]
    fields: tuple[Field, ...] = ()
    embedded: tuple[EmbeddedData, ...] = ()
    metadata: tuple[KeyValue, ...] = ()  # e.g. PDF producer and dates
    signals: tuple[Signal, ...] = ()
    provenance: Provenance

    @property
    def seals(self) -> tuple[Seal, ...]:
        return tuple(s for p in self.pages for s in p.seals)


class FileError(_Frozen):
    """A file of the submission that could not be processed, and why. The rest of the submission goes on."""

    file: str
    error: str  # exception class name, e.g. InputError
    message: str
    stage: str | None = None
    page: int | None = None


class Submission(_Frozen):
    id: str
    files: tuple[SourceFile, ...]
    documents: tuple[Document, ...] = ()


class FindingStatus(StrEnum):
    passed = "pass"
    failed = "fail"
    review = "review"


class Observation(_Frozen):
    """One value a finding rests on: what was read (or declared, or looked up), where, and how sure we are.

    ``source`` says where the value comes from: ``doc`` (read from a document: ``document``, ``field`` and ``region``
    point at it), ``decl`` (the intake manifest), ``ref`` (a reference list) or ``derived`` (computed, e.g. a sum)."""

    label: str  # what the value is, for a reader: "invoice buyer", "contract party A", "sum of payments"
    value: str | None
    source: Literal["doc", "decl", "ref", "derived"] = "doc"
    document: str | None = None
    field: str | None = None
    region: Region | None = None
    confidence: Confidence | None = PydField(default=None, ge=0.0, le=1.0)


class Finding(_Frozen):
    """The outcome of one rule for one scope (a contract, or the submission when ``contract`` is None).

    A comparison carries both sides as ``observations`` with the ``score`` it reached and the ``threshold`` it had to
    reach; ``evidence`` lists the regions to show a reviewer (every observation's region, plus seals and pages)."""

    rule_id: str
    status: FindingStatus
    message: str
    contract: str | None = None
    standing: bool = False  # a review the programme always needs from a human; it does not change the verdict
    observations: tuple[Observation, ...] = ()
    score: float | None = None
    threshold: float | None = None
    evidence: tuple[Region, ...] = ()
    provenance: Provenance


class Verdict(StrEnum):
    eligible = "eligible"
    needs_review = "needs_review"
    not_eligible = "not_eligible"


class ContractAssessment(_Frozen):
    """One contract's bundle of evidence, its amounts (decimal strings with two places) and its verdict."""

    id: str
    contract_number: str | None = None
    documents: tuple[str, ...] = ()  # Document ids
    grouping: Literal["manifest", "auto"] = "manifest"
    grouping_confidence: Confidence = PydField(default=1.0, ge=0.0, le=1.0)
    grouping_reasons: tuple[str, ...] = ()
    contract_total: str | None = None
    invoice_total: str | None = None
    invoice_total_counted: str | None = None
    paid_total: str | None = None
    paid_total_counted: str | None = None
    eligible_items: str | None = None  # programmes that count items (Shenzhen): after pro rata and caps
    recognised: str = "0.00"
    excluded_by: tuple[str, ...] = ()
    verdict: Verdict
    reasons: tuple[str, ...] = ()


class Assessment(_Frozen):
    """The rule pack's result for a submission: per-contract amounts and verdicts, totals, subsidy and verdict."""

    programme: str
    pack_version: str
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    recognised_total: str
    subsidy: str
    contracts: tuple[ContractAssessment, ...] = ()
    unassigned: tuple[str, ...] = ()  # documents that belong to no contract (e.g. a commitment letter)


class StageTiming(_Frozen):
    stage: str
    seconds: float
    pages: int = 0


class Report(_Frozen):
    schema_version: str = SCHEMA_VERSION
    pipeline_version: str
    generated_at: datetime
    submission: Submission
    findings: tuple[Finding, ...] = ()
    assessment: Assessment | None = None  # set by a rule pack run (``evidence check``)
    errors: tuple[FileError, ...] = ()
    ocr_engine: str | None = None
    timings: tuple[StageTiming, ...] = ()
