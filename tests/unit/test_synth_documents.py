"""Each synthetic document type builds, renders (raster and digital PDF) and keeps its ground truth consistent."""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.synth import acceptance, bank_slip, contract, invoice, voucher  # noqa: E402
from scripts.synth.common import amount_upper, uscc_valid  # noqa: E402
from scripts.synth.deal import random_deal  # noqa: E402
from scripts.synth.model import FIELD_NAMES, render_pdf, render_raster  # noqa: E402
from scripts.synth.photo import faxed, greyscale, photographed, scanned  # noqa: E402
from scripts.synth.seals import SealSpec  # noqa: E402


def _layouts(seed=0):
    rng = np.random.default_rng(seed)
    deal = random_deal(rng, "shenzhen")
    out = {"contract": contract.build(contract.spec_from_deal(deal, rng), rng),
           "bank_slip": bank_slip.build(bank_slip.spec_from_deal(deal, rng), rng),
           "acceptance": acceptance.build(acceptance.spec_from_deal(deal, rng), rng),
           "voucher": voucher.build(voucher.spec_from_deal(deal, rng), rng)}
    for kind in invoice.KINDS:
        out[f"invoice:{kind}"] = invoice.build(invoice.spec_from_deal(deal, rng, kind=kind), rng)
    for style in bank_slip.STYLES:
        out[f"bank_slip:{style}"] = bank_slip.build(bank_slip.spec_from_deal(deal, rng, style=style), rng)
    return deal, out


DEAL, LAYOUTS = _layouts()


def _inside(doc):
    for key, entries in list(doc.field_boxes.items()) + [("seal", doc.seals), ("cross", doc.cross_page_seals)]:
        for e in entries:
            w, h = doc.page_sizes[e["page"]]
            x0, y0, x1, y1 = e["bbox"]
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (key, e, (w, h))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_document_renders_with_boxes_inside_the_page(name):
    layout = LAYOUTS[name]
    assert set(layout.fields) == set(FIELD_NAMES[layout.doc_type])
    doc = render_raster(layout, 72)
    assert len(doc.pages) == len(layout.canvases)
    _inside(doc)
    for key, value in layout.fields.items():
        if value is not None and key not in ("invoice_kind", "copy_type", "items", "conclusion") or (
                key == "conclusion" and value):
            assert key in doc.field_boxes, f"{name}: no box for {key}"


def test_fields_agree_across_the_deal():
    c, inv = LAYOUTS["contract"].fields, LAYOUTS["invoice:digital_special"].fields
    b, a = LAYOUTS["bank_slip"].fields, LAYOUTS["acceptance"].fields
    assert c["party_a_name"] == inv["buyer_name"] == b["payer_name"] == a["party_a_name"]
    assert c["party_b_name"] == inv["seller_name"] == b["payee_name"] == a["party_b_name"]
    assert b["payee_account"] == c["party_b_bank_account"]
    assert uscc_valid(c["party_a_tax_id"]) and uscc_valid(c["party_b_tax_id"])
    assert c["total_amount"] == inv["total_amount"] == str(DEAL.total)
    assert c["total_amount_upper"] == amount_upper(DEAL.total, prefix="人民币")
    parts = [c[k] for k in ("software_amount", "hardware_amount", "service_amount") if c[k]]
    assert sum(float(p) for p in parts) == pytest.approx(float(c["total_amount"]))


def test_invoice_formats_by_kind():
    special = LAYOUTS["invoice:vat_special"].fields
    assert len(special["invoice_code"]) == 10 and len(special["invoice_number"]) == 8
    assert special["copy_type"] == "invoice_copy" and special["check_code"] is None
    digital = LAYOUTS["invoice:digital_normal"].fields
    assert digital["invoice_code"] is None and len(digital["invoice_number"]) == 20 and digital["copy_type"] is None
    e = LAYOUTS["invoice:vat_e_normal"].fields
    assert len(e["invoice_code"]) == 12 and len(e["check_code"]) == 20
    total = sum(float(i["amount"]) for i in e["items"])
    assert total == pytest.approx(float(e["amount_excl_tax"]))
    assert float(e["amount_excl_tax"]) + float(e["tax_amount"]) == pytest.approx(float(e["total_amount"]))


def test_invoice_seals_by_kind():
    d = render_raster(LAYOUTS["invoice:digital_special"], 72)
    assert [s["type"] for s in d.seals] == ["supervision"]
    p = render_raster(LAYOUTS["invoice:vat_normal"], 72)
    assert sorted(s["type"] for s in p.seals) == ["invoice", "supervision"]
    seller = next(s for s in p.seals if s["type"] == "invoice")
    assert seller["code"] == LAYOUTS["invoice:vat_normal"].fields["seller_tax_id"]


def test_digital_pdf_text_layer_sits_in_the_field_boxes():
    import pymupdf

    layout = LAYOUTS["invoice:digital_special"]
    doc = render_pdf(layout, dpi=72)
    pdf = pymupdf.open(stream=doc.pdf, filetype="pdf")
    page = pdf[0]
    for key in ("buyer_name", "seller_tax_id", "invoice_number", "total_amount_upper"):
        box = doc.field_boxes[key][0]["bbox"]
        text = page.get_textbox(pymupdf.Rect(*box).irect + (-1, -1, 1, 1)).replace("\n", "")
        assert layout.fields[key] in text, (key, text)


def test_scenario_override_acceptance_with_finance_seal():
    rng = np.random.default_rng(5)
    spec = acceptance.spec_from_deal(DEAL, rng)
    spec = replace(spec, seals_a=(SealSpec("finance", DEAL.buyer.name),))
    doc = render_raster(acceptance.build(spec, rng), 72)
    assert sorted(s["type"] for s in doc.seals) == ["finance", "official"]


def test_contract_cross_page_seal_strips():
    rng = np.random.default_rng(2)
    spec = replace(contract.spec_from_deal(DEAL, rng), cross_page_seal=SealSpec("official", DEAL.seller.name))
    layout = contract.build(spec, rng)
    doc = render_raster(layout, 72)
    assert len(doc.cross_page_seals) == len(doc.pages) >= 2
    for e in doc.cross_page_seals:
        assert e["bbox"][2] >= doc.page_sizes[e["page"]][0] - 8  # at the right edge (8 px: the seal's own margin)


@pytest.mark.parametrize("degrade", [scanned, photographed, greyscale, faxed], ids=lambda f: f.__name__)
def test_degradations_keep_boxes_on_the_page(degrade):
    doc = render_raster(LAYOUTS["bank_slip"], 72)
    kw = {"size": (640, 480)} if degrade is photographed else {}
    out = degrade(doc, np.random.default_rng(0), **kw)
    _inside(out)
    assert len(out.seals) == len(doc.seals)
    if degrade is faxed:
        assert set(np.unique(out.pages[0])) <= {0, 255}
