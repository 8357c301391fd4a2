"""The extraction stage: ``Extractor(specs)(doc_type, pages, embedded, file_id) -> tuple[Field, ...]``.

Built once (specs loaded and regexes compiled); each call is a pure function of its inputs, safe from any thread.
Order of sources per field: embedded invoice data (digital fast path, no OCR), label -> value in the layout (for a
party's field, the hit in that party's block; the other block's row when blocks stand side by side), document patterns,
a ``lenient`` normaliser over the same sources; once every field is read, a value whose label was lost entirely may be
the line above another field's value (``above_of``) and 大写 words with one misread character are mended against their
figures. Items are flat fields ``items.<i>.<key>`` (each with its own region): ``name|amount|tax_rate`` on invoices,
the keys of :data:`pipeline.extract.contract_items.KEYS` on contracts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.extract import embedded as E
from pipeline.extract import normalize as N
from pipeline.extract.contract_items import KEYS as CONTRACT_ITEM_KEYS
from pipeline.extract.contract_items import read_items
from pipeline.extract.goods import read_goods
from pipeline.extract.kinds import invoice_kind, kind_and_copy
from pipeline.extract.layout import Hit, Line, lines_of, merge_split_labels, union, value_after_label
from pipeline.extract.parties import Parties, PartyRule
from pipeline.extract.signals import Signal, field_signals, metadata_signals
from pipeline.extract.spec import NORMALISERS, DocSpec, FieldSpec, load_specs
from pipeline.extract.tables import read_table
from pipeline.types import EmbeddedData, Field, KeyValue, Page, Provenance, Region

_DIGITAL_PROV = Provenance(stage="extract", engine="embedded")
_LAYOUT_PROV = Provenance(stage="extract", engine="layout")
_PATTERN_PROV = Provenance(stage="extract", engine="pattern")
_TABLE_PROV = Provenance(stage="extract", engine="table")
_DERIVED_PROV = Provenance(stage="extract", engine="derived")


@dataclass(frozen=True)
class _Compiled:
    spec: FieldSpec
    labels: tuple[re.Pattern, ...]
    patterns: tuple[re.Pattern, ...]
    after: re.Pattern | None
    before: re.Pattern | None
    value: re.Pattern | None
    block: re.Pattern | None
    blocks: re.Pattern | None


class Extractor:
    def __init__(self, specs: dict[str, DocSpec] | None = None) -> None:
        self.specs = specs if specs is not None else load_specs()
        self._compiled = {t: tuple(self._compile(f) for f in s.fields) for t, s in self.specs.items()}
        self._label_res = {
            t: re.compile("|".join(f"(?:{r})" for f in s.fields for r in f.labels + s.extra_labels) or "(?!)")
            for t, s in self.specs.items()}
        c = lambda r: re.compile(r) if r else None  # noqa: E731
        self._parties = {t: tuple(PartyRule(name, re.compile(p.markers), c(p.above), c(p.below))
                                  for name, p in s.parties.items()) for t, s in self.specs.items()}

    @staticmethod
    def _compile(f: FieldSpec) -> _Compiled:
        c = lambda r: re.compile(r) if r else None  # noqa: E731
        return _Compiled(f, tuple(re.compile(r) for r in f.labels), tuple(re.compile(r) for r in f.patterns),
                         c(f.after), c(f.before), c(f.value_pattern), c(f.block), c(f.blocks))

    def __call__(self, doc_type: str, pages: tuple[Page, ...] | list[Page], embedded: tuple[EmbeddedData, ...] = (),
                 file_id: str | None = None) -> tuple[Field, ...]:
        spec = self.specs.get(str(doc_type))
        if spec is None:
            return ()
        pages = tuple(pages)
        file_id = file_id or (pages[0].file_id if pages else "")
        label_re = self._label_res[spec.doc_type]
        is_label = lambda s: bool(label_re.match(s)) or (s.endswith(":") and len(s) <= 12)  # noqa: E731
        label_len = lambda s: (m := label_re.match(s)) and m.end() or 0  # noqa: E731
        lines = merge_split_labels(lines_of(pages), is_label, label_len)
        text, offsets = _joined(lines)
        width = max((p.width for p in pages), default=1000)
        parties = Parties.find(self._parties[spec.doc_type], lines, width)
        ctx = _Ctx(lines, text, offsets, embedded, pages, file_id, is_label, width, parties,
                   {id(l): i for i, l in enumerate(lines)})
        out: dict[str, Field] = {}
        for comp in self._compiled[spec.doc_type]:
            out[comp.spec.name] = self._field(comp, ctx)
        for comp in self._compiled[spec.doc_type]:
            if out[comp.spec.name].value is None and comp.spec.above_of:
                out[comp.spec.name] = _above_of(comp.spec, out, ctx)
        _mend_words(out, ctx)
        fields = list(out.values())
        if spec.doc_type == "invoice":
            fields += _invoice_extras(pages, lines, embedded, file_id, spec.item_categories)
        if spec.doc_type == "contract":
            fields = _contract_categories(fields, lines, pages, file_id) + _contract_items(lines, pages, file_id)
        return tuple(f for f in _derive(fields) if not f.name.startswith("_"))

    def signals(self, fields: tuple[Field, ...], metadata: tuple[KeyValue, ...] = ()) -> tuple[Signal, ...]:
        return tuple(metadata_signals(metadata) + field_signals(fields))

    # -- one field -----------------------------------------------------------------------------------------------
    def _field(self, comp: _Compiled, ctx: "_Ctx") -> Field:
        fs = comp.spec
        found = self._find(comp, ctx, NORMALISERS[fs.normalize])
        if found is None and fs.lenient:
            found = self._find(comp, ctx, NORMALISERS[fs.lenient])
        return found or Field(name=fs.name, value=None, confidence=0.0, provenance=_LAYOUT_PROV)

    def _find(self, comp: _Compiled, ctx: "_Ctx", norm) -> Field | None:
        fs = comp.spec
        lines, pages, file_id = ctx.lines, ctx.pages, ctx.file_id

        def ok(v: str | None) -> str | None:
            if v is None or (comp.value and not comp.value.fullmatch(v)):
                return None
            return v

        if ctx.embedded and fs.embedded:
            found = E.lookup(ctx.embedded, fs.embedded)
            if found and ok(norm(found[0])):
                return Field(name=fs.name, value=ok(norm(found[0])), raw=found[0], confidence=1.0,
                             provenance=Provenance(stage="extract", engine=f"embedded:{found[1]}"))
        scope = _section(lines, comp.after, comp.before)
        if comp.block is not None and comp.blocks is not None:
            scope = _in_block(scope, comp.block, comp.blocks)
        others: list[Hit] = []  # label hits of the other party (see Parties.mirrored)
        for lab in comp.labels:  # labels in priority order: the first that finds values decides
            hits: list[Hit] = []
            for line in scope:
                m = lab.search(line.text)
                if m:
                    hit = value_after_label(line, m.end(), scope, lambda s: ok(norm(s)), ctx.is_label,
                                            fs.max_gap * ctx.width, fs.wrap, fs.skip, fs.below)
                    if hit:
                        hits.append(hit)
            if not hits:
                continue
            if fs.party is not None:
                picked = ctx.parties.pick(hits, fs.party, ctx.order)
                if picked is None:
                    others += hits
                    continue  # this label was read for the other party only
                if picked is not ...:
                    return _make(fs.name, picked, pages, file_id, _LAYOUT_PROV)
                if not -len(hits) <= fs.occurrence < len(hits):
                    continue  # one party's label read, the layout does not say whose: not the other party's value
            hit = hits[fs.occurrence] if -len(hits) <= fs.occurrence < len(hits) else hits[-1]
            return _make(fs.name, hit, pages, file_id, _LAYOUT_PROV)
        for cand in ctx.parties.mirrored(others, fs.party, scope) if fs.party and others else ():
            v = None if ctx.is_label(cand.text) else ok(norm(cand.text))
            if v is not None:
                return _make(fs.name, Hit(v, cand.raw, (cand,), cand.confidence * 0.8), pages, file_id, _LAYOUT_PROV)
        scope_ids = {id(l) for l in scope}
        for pat in comp.patterns:
            for m in pat.finditer(ctx.text):
                v = ok(norm(m.group(1)))
                if v is None:
                    continue
                hit_lines = tuple(l for l, (a, b) in zip(lines, ctx.offsets) if a < m.end(1) and b > m.start(1))
                if hit_lines and id(hit_lines[0]) not in scope_ids:
                    continue
                if fs.party and (not hit_lines or ctx.parties.of(hit_lines[0]) != fs.party):
                    continue  # a party's value found by its form alone must lie in that party's block
                conf = min((l.confidence for l in hit_lines), default=0.5) * 0.95
                return _make(fs.name, Hit(v, m.group(1), hit_lines, conf), pages, file_id, _PATTERN_PROV)
        return None


@dataclass(frozen=True)
class _Ctx:
    """One document's lines and what every field search shares."""

    lines: list[Line]
    text: str
    offsets: list[tuple[int, int]]
    embedded: tuple[EmbeddedData, ...]
    pages: tuple[Page, ...]
    file_id: str
    is_label: Callable[[str], bool]
    width: float
    parties: Parties
    order: dict[int, int]  # id(line) -> reading-order position


def _above_of(fs: FieldSpec, out: dict[str, Field], ctx: _Ctx) -> Field:
    """A value whose label was not read at all: the line just above another field's value and aligned with it (a
    party's name above its tax id). Lower confidence; never a label, never a value already given to another field."""
    anchor = out[fs.above_of]
    missing = Field(name=fs.name, value=None, confidence=0.0, provenance=_LAYOUT_PROV)
    if anchor.value is None or anchor.region is None:
        return missing
    pi = next((i for i, p in enumerate(ctx.pages) if p.index == anchor.region.page), None)
    box = anchor.region.bbox
    taken = {f.value for f in out.values() if f.value is not None}
    at = [l for l in ctx.lines
          if l.page == pi and abs(l.src.x0 - box.x0) < 0.5 * l.h and abs(l.src.y0 - box.y0) < 0.5 * l.h]
    if not at:
        return missing
    norm = NORMALISERS[fs.normalize]
    a = at[0]
    above = [l for l in ctx.lines if l.page == pi and l is not a and abs(l.bbox.x0 - a.bbox.x0) < 1.5 * a.h
             and 0.5 * a.h < a.bbox.center[1] - l.bbox.center[1] < 2.0 * a.h]
    if not above:
        return missing
    cand = max(above, key=lambda l: l.bbox.center[1])
    v = norm(cand.text)
    if v is None or ctx.is_label(cand.text) or v in taken or sum(c.isdigit() for c in v) > len(v) / 2:
        return missing
    return _make(fs.name, Hit(v, cand.raw, (cand,), cand.confidence * 0.8), ctx.pages, ctx.file_id, _DERIVED_PROV)


_WORDS = (("total_amount", "total_amount_upper"), ("amount", "amount_upper"))


def _mend_words(out: dict[str, Field], ctx: _Ctx) -> None:
    """大写 words left unread because one character in them was misread: mended when exactly one line of the document
    holds damaged words that one 大写 character makes agree with the figures (:func:`normalize.repair_upper`)."""
    for fig, words in _WORDS:
        if fig not in out or words not in out or out[words].value is not None or not out[fig].value:
            continue
        mended = [(l, v) for l in ctx.lines if (v := N.repair_upper(l.text, out[fig].value))]
        if len(mended) == 1:
            line, v = mended[0]
            out[words] = _make(words, Hit(v, line.raw, (line,), line.confidence * 0.7), ctx.pages, ctx.file_id,
                               _DERIVED_PROV)


def _joined(lines: list[Line]) -> tuple[str, list[tuple[int, int]]]:
    parts, offsets, pos = [], [], 0
    for l in lines:
        offsets.append((pos, pos + len(l.text)))
        parts.append(l.text)
        pos += len(l.text) + 1
    return "\n".join(parts), offsets


def _section(lines: list[Line], after: re.Pattern | None, before: re.Pattern | None) -> list[Line]:
    start = 0
    if after is not None:
        start = next((i for i, l in enumerate(lines) if after.search(l.text)), len(lines))
    end = len(lines)
    if before is not None:
        end = next((i for i, l in enumerate(lines) if i > start and before.search(l.text)), len(lines))
    return lines[start:end]


def _in_block(lines: list[Line], block: re.Pattern, blocks: re.Pattern) -> list[Line]:
    """The lines whose nearest block heading at or above them (甲方 ..., 乙方 ...) is ``block``."""
    out, inside = [], False
    for l in lines:
        if blocks.search(l.text):
            inside = bool(block.search(l.text))
        if inside:
            out.append(l)
    return out


def _region(hit_lines: tuple[Line, ...], pages, file_id: str) -> Region | None:
    if not hit_lines:
        return None
    last = hit_lines[-1] if len(hit_lines) == 1 else hit_lines[1]
    same = [l for l in hit_lines[1:] or hit_lines if l.page == last.page]
    return Region(file_id=file_id, page=pages[last.page].index, bbox=union([l.src for l in same]))


def _make(name: str, hit: Hit, pages, file_id: str, prov: Provenance) -> Field:
    return Field(name=name, value=hit.value, raw=hit.raw, confidence=round(max(0.0, min(1.0, hit.confidence)), 4),
                 region=_region(hit.lines, pages, file_id), provenance=prov)


def _invoice_extras(pages, lines: list[Line], embedded, file_id: str, categories: tuple[str, ...]) -> list[Field]:
    kind, copy = kind_and_copy("".join(l.text for l in lines[:40]), pages[0] if pages else None)
    for key in ("TypeOfInvoice", "模板编号"):
        found = E.lookup(embedded, (key,)) if embedded else None
        if found and invoice_kind(found[0]) not in (None, "other"):
            kind = invoice_kind(found[0])
            copy = copy if kind in ("vat_special", "vat_normal") else None
    out = [Field(name="invoice_kind", value=kind, raw=None, confidence=0.9 if kind else 0.0, provenance=_LAYOUT_PROV),
           Field(name="copy_type", value=copy, confidence=0.9 if copy else 0.0, provenance=_LAYOUT_PROV)]
    items = E.items(embedded) if embedded else []
    if items:
        for i, it in enumerate(items):
            for k in ("name", "amount", "tax_rate"):
                out.append(Field(name=f"items.{i}.{k}", value=it[k], raw=it[k], confidence=1.0,
                                 provenance=_DIGITAL_PROV))
        return out
    for i, row in enumerate(read_goods(lines, categories)):
        region = _region(row.lines, pages, file_id)
        for k in ("name", "amount", "tax_rate"):
            out.append(Field(name=f"items.{i}.{k}", value=getattr(row, k), raw=getattr(row, k),
                             confidence=round(row.confidence, 4), region=region, provenance=_TABLE_PROV))
    return out


def _contract_items(lines: list[Line], pages, file_id: str) -> list[Field]:
    out = []
    for i, item in enumerate(read_items(lines)):
        for k in CONTRACT_ITEM_KEYS:
            c = item[k]
            box = [l.src for l in c.lines if c.lines and l.page == c.lines[0].page]
            region = Region(file_id=file_id, page=pages[c.lines[0].page].index, bbox=union(box)) if box else None
            out.append(Field(name=f"items.{i}.{k}", value=c.value, raw=c.raw, confidence=round(c.confidence, 4),
                             region=region, provenance=_DERIVED_PROV if c.derived else _TABLE_PROV))
    return out


_CATEGORIES = {"software_amount": ("软件",), "hardware_amount": ("硬件", "设备"), "service_amount": ("服务", "实施")}


def _contract_categories(fields: list[Field], lines, pages, file_id: str) -> list[Field]:
    """software / hardware / service amounts summed from the item list when the text does not state them."""
    missing = [f.name for f in fields if f.name in _CATEGORIES and f.value is None]
    if not missing:
        return fields
    rows = [r for r in read_table(lines) if r.amount]
    if not rows:
        return fields
    from decimal import Decimal

    sums: dict[str, Decimal] = {}
    for r in rows:
        label = r.category or r.name or ""
        for name, words in _CATEGORIES.items():
            if any(w in label for w in words):
                sums[name] = sums.get(name, Decimal(0)) + Decimal(r.amount)
                break
    out = []
    for f in fields:
        if f.name in missing and f.name in sums:
            f = Field(name=f.name, value=f"{sums[f.name]:.2f}", raw=None, confidence=0.85, provenance=_TABLE_PROV)
        out.append(f)
    return out


def _derive(fields: list[Field]) -> list[Field]:
    """Fill a missing figure from its words (and the reverse check is a signal, not a fix)."""
    by = {f.name: f for f in fields}
    words = by.get("_total_upper")
    if words is not None and words.value and "total_debit" in by:
        w = N.amount_upper(words.value)
        debit, credit = by["total_debit"].value, by["total_credit"].value
        if w and debit != credit:  # unbalanced: a figure was misread; the words are an independent reading
            fixed = {n: Field(name=n, value=w, raw=words.raw, confidence=words.confidence * 0.9, region=words.region,
                              provenance=_DERIVED_PROV) for n in ("total_debit", "total_credit") if by[n].value != w}
            fields = [fixed.get(f.name, f) for f in fields]
            by.update(fixed)
    out = []
    for f in fields:
        if f.name == "total_credit" and f.value in (None, "0.00") and by["total_debit"].value:
            d = by["total_debit"]  # a voucher balances: credit = debit when the credit column could not be read
            f = Field(name=f.name, value=d.value, raw=d.raw, confidence=d.confidence * 0.8, region=d.region,
                      provenance=_DERIVED_PROV)
        if f.value is None:
            words = {"total_amount": "total_amount_upper", "amount": "amount_upper"}.get(f.name)
            w = by.get(words) if words else None
            if w is not None and w.value and N.amount_upper(w.value):
                f = Field(name=f.name, value=N.amount_upper(w.value), raw=w.raw, confidence=w.confidence * 0.8,
                          region=w.region, provenance=_DERIVED_PROV)
        out.append(f)
    return out
