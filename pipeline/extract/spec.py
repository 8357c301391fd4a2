"""Field specs as data: one YAML file per document type under ``specs/``, validated at load into typed objects.
A bad spec fails at load with its file and field name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import PipelineError
from pipeline.extract import normalize as N

SPEC_DIR = Path(__file__).resolve().parent / "specs"

NORMALISERS = {
    "amount": N.amount, "upper_text": N.upper_text, "conclusion": N.conclusion, "date": N.date,
    "company": N.company, "tax_id": N.tax_id, "invoice_code": N.invoice_code, "invoice_number": N.invoice_number,
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

    @field_validator("normalize")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in NORMALISERS:
            raise ValueError(f"unknown normaliser {v!r}; valid: {sorted(NORMALISERS)}")
        return v

    @field_validator("labels", "patterns")
    @classmethod
    def _regexes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for r in v:
            re.compile(r)
        return v


class DocSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_type: Literal["contract", "invoice", "bank_slip", "acceptance", "voucher", "other"]
    fields: tuple[FieldSpec, ...] = Field(default=())
    extra_labels: tuple[str, ...] = ()  # other labels on this kind of document: a value never is one of them


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
