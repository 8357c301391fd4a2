"""The FIELDS.md shape of a document's fields: ``{name: value}`` with invoice items folded back into a list.

Extraction keeps every value as its own typed :class:`pipeline.types.Field` (items as ``items.<i>.<key>``, so each cell
keeps its region and confidence); the intake portal and the evaluation compare against the FIELDS.md dictionary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pipeline.types import Field


def fields_dict(fields: Iterable[Field]) -> dict:
    out: dict = {}
    items: dict[int, dict] = defaultdict(dict)
    for f in fields:
        if f.name.startswith("items."):
            _, i, key = f.name.split(".", 2)
            items[int(i)][key] = f.value
        else:
            out[f.name] = f.value
    if items:
        out["items"] = [items[i] for i in sorted(items)]
    return out
