"""Tamper signals for the rules stage (:class:`pipeline.types.Signal`): pure functions of a document's metadata and its
extracted fields."""

from __future__ import annotations

import re

from pipeline.extract import normalize as N
from pipeline.types import Field, KeyValue, Provenance, Signal

PROVENANCE = Provenance(stage="extract", engine="signals")
_EDITORS = re.compile(r"acrobat(?!.*distiller)|foxit.*(phantom|editor)|pdf-?xchange|wps|smallpdf|ilovepdf|sejda|"
                      r"pdfelement|nitro|photoshop|word|excel|libreoffice|openoffice|pdf ?expert|福昕|万兴|金山",
                      re.I)
_TAX_IDS = ("buyer_tax_id", "seller_tax_id", "party_a_tax_id", "party_b_tax_id")
_PAIRS = (("total_amount", "total_amount_upper"), ("amount", "amount_upper"))


def metadata_signals(metadata: tuple[KeyValue, ...]) -> list[Signal]:
    meta = {kv.key: kv.value for kv in metadata}
    out: list[Signal] = []
    try:
        updates = int(meta.get("pdf_incremental_updates", "0") or 0)
    except ValueError:
        updates = 0
    if updates > 0:
        out.append(Signal(provenance=PROVENANCE, code="pdf_incremental_update",
                          message=f"the PDF was saved {updates} more time(s) after it was first written"))
    producer = " ".join(meta.get(k, "") for k in ("producer", "creator"))
    if _EDITORS.search(producer):
        out.append(Signal(provenance=PROVENANCE, code="pdf_edited_after_issue",
                          message=f"producer/creator is an editing tool: {producer.strip()}"))
    created, modified = _pdf_date(meta.get("creationDate")), _pdf_date(meta.get("modDate"))
    if created and modified and modified > created:
        out.append(Signal(provenance=PROVENANCE, code="pdf_modified_after_creation", message=f"modified {modified} after creation {created}"))
    return out


def _pdf_date(s: str | None) -> str | None:
    m = re.search(r"(\d{14})", s or "")
    return m.group(1) if m else None


def field_signals(fields: tuple[Field, ...]) -> list[Signal]:
    by = {f.name: f for f in fields}
    out: list[Signal] = []
    for name in _TAX_IDS:
        f = by.get(name)
        if f and f.value and len(f.value) == 18 and not N.uscc_valid(f.value):
            out.append(Signal(provenance=PROVENANCE, code="tax_id_check_invalid", message=f"{name} {f.value}: GB 32100 check character fails",
                              fields=(name,), evidence=(f.region,) if f.region else ()))
    for fig, words in _PAIRS:
        a, b = by.get(fig), by.get(words)
        if a and b and a.value and b.value:
            parsed = N.amount_upper(b.value)
            if parsed is not None and parsed != a.value:
                out.append(Signal(provenance=PROVENANCE, code="figures_words_mismatch", message=f"{fig} {a.value} but {words} reads {parsed}",
                                  fields=(fig, words), evidence=tuple(x.region for x in (a, b) if x.region)))
    return out
