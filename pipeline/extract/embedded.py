"""The fast path for digital invoices: values carried as data inside the file (OFD custom tags, XML attachments,
CustomDatas). Keys are element paths; a field matches on the last path part (``Buyer/BuyerName`` -> ``BuyerName``)."""

from __future__ import annotations

import re

from pipeline.extract import normalize as N
from pipeline.types import EmbeddedData

_INDEX = re.compile(r"\[\d+\]$")
_ITEM_NAME = ("Item", "NameOfTaxableGoodsOrServices", "GoodsName")
_ITEM_AMOUNT = ("Amount", "AmountExcludingTax")
_ITEM_RATE = ("TaxScheme", "TaxRate")


def last_part(key: str) -> str:
    return _INDEX.sub("", key.rsplit("/", 1)[-1])


def lookup(embedded: tuple[EmbeddedData, ...], names: tuple[str, ...]) -> tuple[str, str] | None:
    """(value, source name) of the first entry whose last key part is one of ``names`` (in the order of ``names``),
    skipping entries below goods lines."""
    wanted = {n: i for i, n in enumerate(names)}
    best: tuple[int, str, str] | None = None
    for data in embedded:
        for kv in data.entries:
            if "GoodsInfo" in kv.key or "DetailItems" in kv.key:
                continue
            rank = wanted.get(last_part(kv.key))
            if rank is not None and kv.value and (best is None or rank < best[0]):
                best = (rank, kv.value, data.name)
    return None if best is None else (best[1], best[2])


def items(embedded: tuple[EmbeddedData, ...]) -> list[dict[str, str | None]]:
    """Goods lines from the first embedded source that lists any: [{name, amount, tax_rate}]."""
    for data in embedded:
        rows: dict[str, dict[str, str]] = {}
        for kv in data.entries:
            if "/" not in kv.key:
                continue
            parent, leaf = kv.key.rsplit("/", 1)
            if "GoodsInfo" in parent or "DetailItems" in parent:
                rows.setdefault(parent, {})[_INDEX.sub("", leaf)] = kv.value
        out = []
        for row in rows.values():
            name = next((row[k] for k in _ITEM_NAME if k in row), None)
            if not name:
                continue
            amount = next((row[k] for k in _ITEM_AMOUNT if k in row), None)
            rate = next((row[k] for k in _ITEM_RATE if k in row), None)
            out.append({"name": N.text(name), "amount": N.amount(amount),
                        "tax_rate": _rate(rate)})
        if out:
            return out
    return []


def _rate(s: str | None) -> str | None:
    r = N.tax_rate(s)
    if r and r.endswith("%"):
        num = r[:-1]
        if "." in num:
            num = num.rstrip("0").rstrip(".")
        r = f"{num}%"
    return r
