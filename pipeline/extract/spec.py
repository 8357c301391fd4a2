"""Field specs as data: one YAML file per document type under ``specs/``, validated at load into typed objects.
A bad spec fails at load with its file and field name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import PipelineError
from pipeline.extract import normalize as N

SPEC_DIR = Path(__file__).resolve().parent / "specs"

NORMALISERS = {
    "amount": N.amount, "upper_text": N.upper_text, "conclusion": N.conclusion, "date": N.date,
    "company": N.company, "tax_id": N.tax_id, "invoice_code": N.invoice_code, "invoice_number": N.invoice_number,
    "invoice_number_as_printed": N.invoice_number_as_printed,
    "bank_account": N.bank_account, "text": N.text, "digits": lambda s: N.digits(s) or None, "person": N.text,
}


class SpecError(PipelineError):
    def __init__(self, file: str, field: str | None, message: str) -> None:
        self.file, self.field = file, field
        super().__init__(f"{file}{': ' + field if field else ''}: {message}")


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    normalize: str = "text"
    labels: tuple[str, ...] = ()  # regexes matched against a line without spaces
    patterns: tuple[str, ...] = ()  # regexes with one group, searched in the document text (lines joined by \n)
    embedded: tuple[str, ...] = ()  # keys (last path part) of embedded invoice data
    occurrence: int = 0  # which label hit in reading order: 0 first, -1 last
    after: str | None = None  # only lines after the first line matching this regex
    before: str | None = None  # only lines before the first line (after ``after``) matching this regex
    block: str | None = None  # only label hits whose nearest block heading above them (``blocks``) matches this
    blocks: str | None = None  # headings that open blocks, e.g. '^(甲方|乙方)'
    value_pattern: str | None = None  # the normalised value must fullmatch this
    max_gap: float = 0.6  # how far right of its label a value may start, as a share of the page width
    wrap: bool = False  # the value may continue on the next line
    below: bool = True  # the value may lie under its label (off for amounts: the line below is another field)
    skip: int = 0  # take the (skip+1)-th value to the right of the label (合计: amount, then tax)
    party: str | None = None  # label hits of this party block only (``parties`` of the document type); else occurrence
    above_of: str | None = None  # no label read: the line just above this other field's value, aligned with it
    lenient: str | None = None  # a looser normaliser, tried only when no source gave a value with ``normalize``

    @field_validator("normalize", "lenient")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        if v is not None and v not in NORMALISERS:
            raise ValueError(f"unknown normaliser {v!r}; valid: {sorted(NORMALISERS)}")
        return v

    @field_validator("labels", "patterns")
    @classmethod
    def _regexes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for r in v:
            re.compile(r)
        return v


class PartySpec(BaseModel):
    """A party block (购买方 / 销售方): its marker words and, for labels with no marker beside them, the zone of the page
    it occupies (above the first line matching ``above``, in the left half; below the first line matching ``below``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    markers: str
    above: str | None = None
    below: str | None = None

    @field_validator("markers", "above", "below")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            re.compile(v)
        return v


class DocSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_type: Literal["contract", "invoice", "bank_slip", "acceptance", "voucher", "other"]
    fields: tuple[FieldSpec, ...] = Field(default=())
    extra_labels: tuple[str, ...] = ()  # other labels on this kind of document: a value never is one of them
    parties: dict[str, PartySpec] = Field(default_factory=dict)  # in block order (the first block first)
    item_categories: tuple[str, ...] = ()  # 简称 of the tax classification: "*软件*..." when OCR lost both stars

    @model_validator(mode="after")
    def _references(self) -> "DocSpec":
        names = {f.name for f in self.fields}
        for f in self.fields:
            if f.party is not None and f.party not in self.parties:
                raise ValueError(f"field {f.name}: unknown party {f.party!r}; valid: {sorted(self.parties)}")
            if f.above_of is not None and f.above_of not in names:
                raise ValueError(f"field {f.name}: above_of names no field of this spec: {f.above_of!r}")
        return self


def load_specs(directory: Path | str = SPEC_DIR) -> dict[str, DocSpec]:
    out: dict[str, DocSpec] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if path.name == "doc_types.yaml":  # the page classifier's keywords, read by pipeline.classify
            continue
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            fields = [{"name": k, **(v or {})} for k, v in (raw.pop("fields", {}) or {}).items()]
            spec = DocSpec(fields=fields, **raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = err.get("loc", ())
            name = None
            if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
                name = fields[loc[1]]["name"]
            raise SpecError(path.name, name, err.get("msg", str(exc))) from None
        except (yaml.YAMLError, re.error, TypeError) as exc:
            raise SpecError(path.name, None, str(exc)) from None
        out[spec.doc_type] = spec
    return out
