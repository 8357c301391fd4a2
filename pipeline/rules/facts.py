"""What the rules read: typed documents seen as field values with their regions, and names compared as reviewers do.

A :class:`Value` is one field of one document (value, region, confidence, whether it was read by OCR); every finding
builds its :class:`pipeline.types.Observation` from it, so every finding points at the page and box it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from rapidfuzz import fuzz

from pipeline.extract import normalize as N
from pipeline.ocr.lattice import OTHER_PROB, SEEN_PROB
from pipeline.types import DocType, Document, Field, Observation, PageKind, Region, Seal

CENT = Decimal("0.01")


def money(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


def fmt(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


@dataclass(frozen=True)
class Value:
    """One field of one document."""

    document: "Doc"
    name: str
    value: str | None
    region: Region | None
    confidence: float
    ocr: bool  # read by OCR (a misread is possible) rather than from a text layer, OFD data or embedded data

    def observation(self, label: str) -> Observation:
        return Observation(label=label, value=self.value, source="doc", document=self.document.id, field=self.name,
                           region=self.region, confidence=round(self.confidence, 3))


class Doc:
    """A typed document with its fields by name (first occurrence wins, as in FIELDS.md) and its items."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.id = document.id
        self.type = document.doc_type
        self.file_id = document.file_id
        self._fields: dict[str, Field] = {}
        items: dict[int, dict[str, Field]] = {}
        for f in document.fields:
            if f.name.startswith("items."):
                _, i, key = f.name.split(".", 2)
                items.setdefault(int(i), {})[key] = f
            else:
                self._fields.setdefault(f.name, f)
        self.items = [items[i] for i in sorted(items)]
        self.ocr = any(p.kind == PageKind.scanned for p in document.pages)

    def __repr__(self) -> str:
        return f"Doc({self.id!r}, {self.type.value})"

    def get(self, name: str) -> Value:
        f = self._fields.get(name)
        if f is None:
            return Value(self, name, None, None, 0.0, self.ocr)
        return Value(self, name, f.value, f.region, f.confidence, self.ocr and f.provenance.stage != "embedded")

    def __getitem__(self, name: str) -> str | None:
        f = self._fields.get(name)
        return None if f is None else f.value

    def item_value(self, index: int, key: str) -> Value:
        f = self.items[index].get(key)
        name = f"items.{index}.{key}"
        if f is None:
            return Value(self, name, None, None, 0.0, self.ocr)
        return Value(self, name, f.value, f.region, f.confidence, self.ocr)

    @property
    def seals(self) -> tuple[Seal, ...]:
        return self.document.seals

    def seal_region(self, seal: Seal) -> Region:
        return Region(file_id=self.file_id, page=seal.page, bbox=seal.bbox)

    def page_region(self, page: int = 0) -> Region | None:
        if not self.document.pages:
            return None
        p = self.document.pages[min(page, len(self.document.pages) - 1)]
        from pipeline.types import BBox

        return Region(file_id=self.file_id, page=p.index, bbox=BBox(x0=0, y0=0, x1=p.width, y1=p.height))

    @cached_property
    def text(self) -> str:
        return "\n".join(p.text for p in self.document.pages)

    def is_(self, *types: DocType) -> bool:
        return self.type in types


# -- names -----------------------------------------------------------------------------------------------------------

_REGION_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}(?:省|市|自治区|特别行政区))+")
_BRACKETED_REGION = re.compile(r"\(([\u4e00-\u9fff]{2,3})(?:省|市)?\)")


@lru_cache(maxsize=8192)
def name_key(name: str | None) -> str:
    """A company name as compared: NFKC (full-width brackets become half-width), whitespace and punctuation dropped."""
    t = N.company(name) or ""
    return re.sub(r"[\s·•.,，、:：\"'“”‘’]", "", t)


def _without_region(key: str) -> str:
    key = _REGION_PREFIX.sub("", key)
    return _BRACKETED_REGION.sub("", key)


@lru_cache(maxsize=8192)
def name_score(a: str | None, b: str | None) -> float:
    """Character-level similarity in [0, 100] of two company names after normalisation.

    A region prefix printed on one side only (北京市华景… vs 华景…, or 华景(北京)…) does not count against the match.
    rapidfuzz's ``ratio`` works on characters, which suits Chinese (its word scorers split on spaces)."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    score = fuzz.ratio(ka, kb)
    ra, rb = _without_region(ka), _without_region(kb)
    if ra and rb and (ra != ka or rb != kb):
        score = max(score, fuzz.ratio(ra, rb))
    return round(score, 1)


@dataclass(frozen=True)
class SealMatch:
    """Whether a seal is a named party's: ``match``, ``mismatch`` (another organisation) or ``unsure``."""

    status: str
    score: float  # 0..100: owner-text similarity or the share of the name seen on the arc, whichever decided
    how: str


def seal_match(seal: Seal, name: str | None, threshold: float = 85.0, char_prob: float = SEEN_PROB,
               verified_share: float = 0.9, mismatch_llr: float = -2.75, mismatch_text: float = 70.0,
               mismatch_others: int = 2, other_prob: float = OTHER_PROB, mismatch_share: float = 0.5) -> SealMatch:
    """Is ``seal`` the seal of the organisation ``name``?

    1. The owner text read on the seal is similar enough (>= ``threshold``): match.
    2. With the owner lattice (the recogniser's top characters along the arc, pipeline/ocr/lattice.py): the name is
       aligned to it; when at least ``verified_share`` of its characters got probability >= ``char_prob`` where they
       align, match (a misread character keeps some probability on the true one). Mismatch needs evidence of other
       words: the alignment's mean log-likelihood ratio against the free reading is <= ``mismatch_llr`` (a sister
       company sharing the trade name scores -2.8 to -3.2, a misread true name -0.1 to -2.3 on the scenario seals)
       *and* at least ``mismatch_others`` of the name's unseen characters (all of them, if fewer), and at least
       ``mismatch_share`` of them, stand where the recogniser read another character with ``other_prob`` or more. A
       faint stretch, or one under black print, reads as blanks and weak guesses: it lowers the log-ratio as much as
       other words do (a party's own faint seal scored -2.68 to -2.80), but it is no evidence against the name, so it
       stays unsure; so does a stretch mostly unread with a confident character or two in it (a recogniser trained on
       names guesses name-like characters where it cannot read: 北京市械市有限公司 for a seal under print). Otherwise
       unsure.
    3. Without a lattice, an owner text of at least six characters below ``mismatch_text``: mismatch; else unsure.
    """
    # several checks ask about the same seal and name: decided once (by the owner text and lattice, both hashable)
    return _seal_match(seal.owner, seal.owner_lattice, name, threshold, char_prob, verified_share, mismatch_llr,
                       mismatch_text, mismatch_others, other_prob, mismatch_share)


def seal_verified(seal: Seal, name: str | None, threshold: float = 85.0, char_prob: float = SEEN_PROB,
                  verified_share: float = 0.9) -> SealMatch | None:
    """The ``match`` of :func:`seal_match` (the same parameters, the same result) or None when it is not one, without
    telling mismatch from unsure. That costs no alignment for a name the lattice's bounds already rule out, so a
    seal is first checked against every party this way and fully judged only when it is nobody's."""
    return _verified(seal.owner, seal.owner_lattice, name, threshold, char_prob, verified_share)


@lru_cache(maxsize=4096)
def _verified(owner: str | None, lattice, name: str | None, threshold: float, char_prob: float,
              verified_share: float) -> SealMatch | None:
    if not name:
        return None
    text = name_score(owner, name) if owner else 0.0
    if text >= threshold:
        return SealMatch("match", text, "owner text")
    read_core, core = core_key(owner), core_key(name)
    if read_core and read_core == core:
        return SealMatch("match", text, f"owner text: the distinctive part {core} read exactly")
    if not lattice:
        return None
    from pipeline.ocr.lattice import bound

    # a match on the full name or on the name without its legal form (an arc read that stops before 有限公司 still
    # shows whose seal it is); another party's name is mostly ruled out by the bounds, without aligning it
    key, short = _keys(name)
    if max(bound(lattice, key, char_prob).supported, bound(lattice, short, char_prob).supported) < verified_share:
        return None
    share = _seen(lattice, key, short, char_prob)
    return SealMatch("match", share, f"{share:.0f} % of the name seen on the arc") \
        if share >= 100 * verified_share else None


def _keys(name: str) -> tuple[str, str]:
    """The name as compared, and the same without its legal form when that leaves 4 characters or more (else '')."""
    key = name_key(name)
    short = _LEGAL_FORM.sub("", key)  # a prefix of the name: aligned in the same table
    return key, (short if 4 <= len(short) < len(key) else "")


def _seen(lattice, key: str, short: str, char_prob: float) -> float:
    """Percentage of the name seen on the arc: the better of the full name and the name without its legal form."""
    from pipeline.ocr.lattice import spot

    spots = [spot(lattice, key)] + ([spot(lattice, key, len(short))] if short else [])
    return max(round(100 * sp.supported(char_prob), 1) for sp in spots)


@lru_cache(maxsize=4096)
def _seal_match(owner: str | None, lattice, name: str | None, threshold: float, char_prob: float,
                verified_share: float, mismatch_llr: float, mismatch_text: float, mismatch_others: int,
                other_prob: float, mismatch_share: float) -> SealMatch:
    if not name:
        return SealMatch("unsure", 0.0, "no party name to compare")
    verified = _verified(owner, lattice, name, threshold, char_prob, verified_share)
    if verified is not None:
        return verified
    text = name_score(owner, name) if owner else 0.0
    too_little = len(name_key(owner)) < 6
    if lattice:
        from pipeline.ocr.lattice import spot

        key, short = _keys(name)
        full = spot(lattice, key)
        seen, llr = _seen(lattice, key, short, char_prob), full.score
        others, unseen = full.contradicted(char_prob, other_prob)
        how = f"log-ratio {max(llr, -99.0):.1f}; {unseen} characters not seen, {others} of them read as others"
        if (llr <= mismatch_llr and not too_little and unseen and others >= min(mismatch_others, unseen)
                and others >= mismatch_share * unseen):
            return SealMatch("mismatch", max(text, seen), f"the arc reads otherwise ({how})")
        return SealMatch("unsure", max(text, seen), f"{seen:.0f} % of the name seen on the arc ({how})")
    if not too_little and text < mismatch_text:
        return SealMatch("mismatch", text, "owner text")
    return SealMatch("unsure", text, "owner text, no arc lattice")


_LEGAL_FORM = re.compile(r"(股份)?(有限责任公司|有限公司|公司)?$")


def core_key(name: str | None) -> str:
    """The distinctive part of a company name: without the region prefix and the legal form (北京市华景电子科技有限公司
    -> 华景电子科技); empty when fewer than four characters are left."""
    core = _LEGAL_FORM.sub("", _without_region(name_key(name)))
    return core if len(core) >= 4 else ""


def tax_id_valid(value: str | None) -> bool:
    return N.uscc_valid(value)


def amount_words(value: str | None) -> Decimal | None:
    return money(N.amount_upper(value)) if value else None
