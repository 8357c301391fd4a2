"""The evidence set of one deal: contract, invoice, bank slip(s), acceptance certificate and voucher(s), each rendered
in a variant (clean digital PDF, scan, phone photo, greyscale copy, fax) and written with its label.

``render(layout, variant, rng)`` is the single place where variants are applied, so scenarios can reuse it with their
own specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import acceptance, bank_slip, contract, invoice, voucher
from .deal import Deal, random_deal
from .model import DocLayout, Rendered, render_pdf, render_raster
from .photo import faxed, greyscale, photographed, scanned
from .writer import write

VARIANTS = ("clean", "digital_pdf", "scan", "photo", "grey", "scan+grey", "fax")

# variant weights per document kind (what such evidence usually looks like)
WEIGHTS = {
    "contract": {"digital_pdf": 0.3, "scan": 0.5, "scan+grey": 0.1, "photo": 0.1},
    "invoice_paper": {"scan": 0.5, "photo": 0.4, "scan+grey": 0.1},
    "invoice_e": {"digital_pdf": 0.7, "scan": 0.2, "photo": 0.1},
    "bank_slip": {"digital_pdf": 0.4, "scan": 0.4, "photo": 0.2},
    "acceptance": {"scan": 0.5, "photo": 0.25, "scan+grey": 0.1, "fax": 0.05, "digital_pdf": 0.1},
    "voucher": {"scan": 0.5, "scan+grey": 0.2, "photo": 0.2, "digital_pdf": 0.1},
}


def pick(kind: str, rng: np.random.Generator) -> str:
    names, p = zip(*WEIGHTS[kind].items())
    p = np.array(p) / sum(p)
    return str(names[int(rng.choice(len(names), p=p))])


def render(layout: DocLayout, variant: str, rng: np.random.Generator, dpi: int | None = None) -> Rendered:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid: {VARIANTS}")
    if variant == "digital_pdf":
        return render_pdf(layout, dpi=dpi or 200)
    if dpi is None:
        dpi = int(rng.choice([150, 200, 200, 300])) if variant != "photo" else int(rng.choice([150, 200]))
    doc = render_raster(layout, dpi)
    if variant.startswith("scan"):
        doc = scanned(doc, rng)
    elif variant == "photo":
        doc = photographed(doc, rng)
    elif variant == "fax":
        doc = faxed(doc, rng)
    if variant.endswith("grey"):
        doc = greyscale(doc, rng)
    return doc


@dataclass(frozen=True)
class Written:
    doc_type: str
    file: str
    label: str
    variant: str


def deal_documents(deal: Deal, rng: np.random.Generator) -> list[tuple[str, str, DocLayout]]:
    """(name, variant kind, layout) for the five proofs of a deal."""
    docs = [("contract", "contract", contract.build(contract.spec_from_deal(deal, rng), rng))]
    inv = invoice.spec_from_deal(deal, rng)
    docs.append(("invoice", "invoice_paper" if inv.is_paper else "invoice_e", invoice.build(inv, rng)))
    for k in range(len(deal.payments())):
        docs.append((f"bank_slip_{k + 1}", "bank_slip", bank_slip.build(bank_slip.spec_from_deal(deal, rng, k), rng)))
    docs.append(("acceptance", "acceptance", acceptance.build(acceptance.spec_from_deal(deal, rng), rng)))
    docs.append(("voucher", "voucher", voucher.build(voucher.spec_from_deal(deal, rng), rng)))
    return docs


def write_deal(root: Path, name: str, seed: int, index: int, only: set[str] | None = None,
               variant: str | None = None, dpi: int | None = None) -> list[Written]:
    rng = np.random.default_rng([seed, index])
    deal = random_deal(rng)
    out = []
    for j, (doc_name, kind, layout) in enumerate(deal_documents(deal, rng)):
        if only and layout.doc_type not in only:
            continue
        r = np.random.default_rng([seed, index, j])  # per document: a filter does not change the others
        doc = render(layout, variant or pick(kind, r), r, dpi)
        path, lpath = write(layout, doc, root, f"{name}/{doc_name}", seed)
        out.append(Written(layout.doc_type, str(path.relative_to(root)), str(lpath.relative_to(root)), doc.variant))
    return out
