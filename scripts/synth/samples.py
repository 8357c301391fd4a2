"""Write the small sample images of docs/synthetic.md (docs/img/synth_*.png) from fixed seeds.

    python -m scripts.synth.samples [--out docs/img]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import acceptance, bank_slip, contract, invoice
from .deal import random_deal
from .model import render_pdf, render_raster
from .photo import photographed, scanned


def _save(img_bgr: np.ndarray, path: Path, width: int, colours: int = 96, denoise: bool = False) -> None:
    h, w = img_bgr.shape[:2]
    img = cv2.resize(img_bgr, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    if denoise:  # flatten scanner / sensor noise so that the PNG stays small
        img = cv2.bilateralFilter(img, 5, 40, 5)
    pil = Image.fromarray(img[:, :, ::-1])
    if colours < 256:
        pil = pil.quantize(colours, method=Image.Quantize.FASTOCTREE)
    pil.save(path, optimize=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    out = ap.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    deal = random_deal(rng, "shenzhen")
    paper = invoice.build(invoice.spec_from_deal(deal, rng, kind="vat_special", copy_type="invoice_copy"), rng)
    photo = photographed(render_raster(paper, 200), rng, (2016, 1512))
    _save(photo.pages[0], out / "synth_invoice_photo.png", 560, 256, True)
    digital = render_pdf(invoice.build(invoice.spec_from_deal(deal, rng, kind="digital_special"), rng), dpi=150)
    import pymupdf

    page = pymupdf.open(stream=digital.pdf, filetype="pdf")[0].get_pixmap(dpi=150, alpha=False)
    arr = np.frombuffer(page.samples, np.uint8).reshape(page.height, page.width, 3)[:, :, ::-1]
    _save(np.ascontiguousarray(arr), out / "synth_einvoice_digital.png", 760)
    spec = contract.spec_from_deal(deal, rng)
    lay = contract.build(spec, rng)
    scan = scanned(render_raster(lay, 150), rng)
    _save(scan.pages[-1], out / "synth_contract_signature_scan.png", 480, 256, True)
    slip = render_raster(bank_slip.build(bank_slip.spec_from_deal(deal, rng, style="icbc"), rng), 150)
    _save(slip.pages[0], out / "synth_bank_slip_icbc.png", 700)
    acc = scanned(render_raster(acceptance.build(acceptance.spec_from_deal(deal, rng), rng), 150), rng)
    _save(acc.pages[0], out / "synth_acceptance_scan.png", 480, 256, True)


if __name__ == "__main__":
    main()
