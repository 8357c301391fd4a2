"""E-seals of a signed file: the seal found where an OFD signature's seal picture is drawn is that e-seal.

An OFD e-invoice or contract signed with an electronic seal (电子印章, GB/T 38540) carries, with the picture the page
shows, the seal's registered name (全国统一发票监制章国家税务总局重庆市税务局, 国家税务总局贵州省税务局, 金格演示公章;
:func:`pipeline.ingest.ofd.document.seal_name`) and the box it is drawn in (:attr:`RasterPage.stamps`). A seal
detected on the drawn page whose box lies mostly (STAMP_OVERLAP) inside a stamp's box gets the name among its texts
(``e-seal:...``), so the report shows what the file itself says the seal is. A supervision seal whose reading is not a
tax bureau's name takes the bureau the e-seal's name holds (the longest one, :data:`TAX_BUREAUS`): the name is the
signature's, not a reading. Other owners are left as read: an e-seal's name is what its maker registered (金格演示公章),
not always its owner's full name.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.seals.names import TAX_BUREAUS
from pipeline.types import Seal, SealType

STAMP_OVERLAP = 0.5

Stamp = tuple[tuple[float, float, float, float], str | None]


def with_stamps(seals: Iterable[Seal], stamps: Iterable[Stamp]) -> tuple[Seal, ...]:
    """``seals`` (of one page) with the e-seal names of the ``stamps`` drawn on that page (see the module)."""
    stamps = [(box, name) for box, name in stamps if name]
    out = []
    for seal in seals:
        best = max(((seal.bbox.share_inside(*box), name) for box, name in stamps), default=(0.0, None))
        if seal.cross_page or best[0] < STAMP_OVERLAP:
            out.append(seal)
            continue
        name = best[1]
        update: dict = {"texts": seal.texts + (f"e-seal:{name}",)}
        bureau = max((b for b in TAX_BUREAUS if b in name), key=len, default=None)
        if seal.type == SealType.supervision and bureau and seal.owner not in TAX_BUREAUS:
            update = {"owner": bureau, "texts": seal.texts + (f"e-seal:{name}", f"owner read:{seal.owner or ''}",
                                                              "owner from the e-seal's name")}
        out.append(seal.model_copy(update=update))
    return tuple(out)


__all__ = ["STAMP_OVERLAP", "with_stamps"]
