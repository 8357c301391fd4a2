"""Rule packs: one YAML file per programme and year, validated when loaded.

A pack names its rules by the ids of RULES.md and says, for each, which registered *check* implements it and with
which parameters (dates, caps, ratios, keyword lists, field names). Next year's guide is a new pack file, not a code
change. Loading fails with a :class:`RulePackError` naming the file and the rule for: an unknown check, a missing or
unknown parameter (a typo), a field name that is not in FIELDS.md, a duplicated rule id, a reference file that is not
there.

```yaml
id: beijing-2024
title: 北京市2024年中小企业数字化赋能补助
version: "2024.1"
reference: {srdi: beijing-2024-srdi-enterprises.json}    # name -> file in the reference folder
amounts: {method: lowest, items: false}
subsidy: {rate: "0.20", cap: "1000000.00"}
rules:
  BJ-05:
    title: contract signed on or after 2023-01-01
    check: date_window
    params: {dates: [contract.sign_date], start: 2023-01-01}
```
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field as PydField, ValidationError

from pipeline.errors import RulePackError

PACKS_DIR = Path(__file__).resolve().parent / "packs"
SPECS_DIR = Path(__file__).resolve().parent.parent / "extract" / "specs"

# Item keys (items.<i>.<key>) are not in the spec files' field lists.
_ITEM_KEYS = {
    "invoice": ("name", "amount", "tax_rate"),
    "contract": ("name", "product_id", "kind", "quantity", "unit", "unit_price", "amount", "period_start", "period_end"),
}


@lru_cache(maxsize=1)
def known_fields() -> dict[str, frozenset[str]]:
    """doc type -> the FIELDS.md field names extraction produces (from the extraction specs, plus item keys)."""
    out: dict[str, set[str]] = {}
    for path in SPECS_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if "doc_type" in data and "fields" in data:
            out.setdefault(data["doc_type"], set()).update(data["fields"])
    out.setdefault("invoice", set()).update({"invoice_kind", "copy_type"})
    for t, keys in _ITEM_KEYS.items():
        out.setdefault(t, set()).update(f"items.{k}" for k in keys)
    return {t: frozenset(v) for t, v in out.items()}


def _field_ref(ref: str) -> str:
    doc_type, _, name = ref.partition(".")
    fields = known_fields()
    if doc_type not in fields:
        raise ValueError(f"unknown document type {doc_type!r} in {ref!r} (known: {', '.join(sorted(fields))})")
    if name not in fields[doc_type]:
        raise ValueError(f"unknown field {name!r} of {doc_type} in {ref!r} (FIELDS.md names: "
                         f"{', '.join(sorted(fields[doc_type]))})")
    return ref


FieldRef = Annotated[str, AfterValidator(_field_ref)]
"""``doc_type.field`` as in FIELDS.md, checked against the extraction specs: ``contract.sign_date``."""


class Params(BaseModel):
    """Base of every check's parameters: unknown keys are errors (typos must not pass silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoParams(Params):
    pass


Scope = Literal["submission", "contract"]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    scope: Scope
    params: type[Params]
    fn: Callable[..., Any]
    doc: str
    late: bool = False  # runs after the amounts are settled (minimum totals, the subsidy)


CHECKS: dict[str, CheckSpec] = {}


def check(name: str, scope: Scope, params: type[Params] = NoParams, late: bool = False):
    """Register a check implementation under ``name`` (what a pack's ``check:`` refers to)."""

    def deco(fn):
        if name in CHECKS:
            raise RuntimeError(f"check {name!r} registered twice")
        CHECKS[name] = CheckSpec(name, scope, params, fn, (fn.__doc__ or "").strip(), late)
        return fn

    return deco


# -- the pack file ---------------------------------------------------------------------------------------------------

Effect = Literal["exclude", "deduct", "none"]


class RuleDef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    title: str
    section: str | None = None
    evidence: str | None = None  # doc | decl | ref | human, as in RULES.md (for the report)
    check: str
    # What a contract-scoped fail does: exclude the contract (default) or only deduct the amount it concerns.
    effect: Effect = "exclude"
    params: dict[str, Any] = {}


class Amounts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    # recognised amount of a contract = the lowest of its contract total, counted invoices and counted payments;
    # with ``items``, the contract total is replaced by its eligible items (after the deduction rules' cuts)
    method: Literal["lowest"] = "lowest"
    items: bool = False
    tolerance: Decimal = Decimal("0.00")  # amounts agree when they differ by at most this (to the fen by default)


class Subsidy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rate: Decimal = PydField(gt=0, le=1)
    cap: Decimal = PydField(gt=0)


class PackFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    title: str
    version: str
    guide: str | None = None
    reference: dict[str, str] = {}
    amounts: Amounts = Amounts()
    subsidy: Subsidy
    rules: dict[str, RuleDef]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    section: str | None
    evidence: str | None
    check: CheckSpec
    effect: Effect
    params: Params

    @property
    def scope(self) -> Scope:
        return self.check.scope


@dataclass(frozen=True)
class Pack:
    id: str
    title: str
    version: str
    guide: str | None
    reference: dict[str, Any]  # name -> loaded JSON
    amounts: Amounts
    subsidy: Subsidy
    rules: tuple[Rule, ...]
    path: Path

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


_RULE_ID = re.compile(r"^(BJ|SZ|X)-\d{2}$")


def available_packs() -> list[str]:
    return sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))


def load_pack(name_or_path: str | Path, reference_dir: str | Path | None = None) -> Pack:
    """A pack by name (``beijing-2024``, from ``pipeline/rules/packs``) or by path, with its reference files loaded from
    ``reference_dir`` (default: the repository's ``fixtures/reference``)."""
    import pipeline.rules.checks  # noqa: F401  (registers the checks)

    path = Path(name_or_path)
    if not path.suffix:
        path = PACKS_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise RulePackError(f"unknown programme {name_or_path!r}; packs available: {', '.join(available_packs())}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulePackError(f"{path}: cannot read the pack: {exc}") from exc
    try:
        pf = PackFile.model_validate(raw)
    except ValidationError as exc:
        raise RulePackError(f"{path}: {_problems(exc)}") from exc

    rules = []
    for rid, rd in pf.rules.items():
        where = f"{path.name}: rule {rid}"
        if not _RULE_ID.match(rid):
            raise RulePackError(f"{where}: rule ids look like BJ-01, SZ-01 or X-01")
        spec = CHECKS.get(rd.check)
        if spec is None:
            raise RulePackError(f"{where}: unknown check {rd.check!r} (registered: {', '.join(sorted(CHECKS))})")
        try:
            params = spec.params.model_validate(rd.params)
        except ValidationError as exc:
            raise RulePackError(f"{where} ({rd.check}): {_problems(exc)}") from exc
        for name in getattr(params, "references", lambda: ())():
            if name not in pf.reference:
                raise RulePackError(f"{where}: reference list {name!r} is not declared under `reference:`")
        if spec.scope == "submission" and rd.effect == "deduct":
            raise RulePackError(f"{where}: a submission-level check cannot deduct")
        rules.append(Rule(rid, rd.title, rd.section, rd.evidence, spec, rd.effect, params))

    ref_dir = Path(reference_dir) if reference_dir else Path(__file__).resolve().parents[2] / "fixtures" / "reference"
    reference = {}
    for name, file in pf.reference.items():
        p = ref_dir / file
        try:
            reference[name] = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RulePackError(f"{path.name}: reference list {name!r} cannot be read from {p}: {exc} "
                                f"(set --reference / EVIDENCE_REFERENCE_DIR to the programme office's folder)") from exc
    return Pack(pf.id, pf.title, pf.version, pf.guide, reference, pf.amounts, pf.subsidy, tuple(rules), path)


def _problems(exc: ValidationError) -> str:
    out = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown parameter (typo?)"
        elif e["type"] == "missing":
            msg = "missing parameter"
        out.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(out)


def parse_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
