"""Look at a generated document with its ground truth: page ``--page`` of FILE (image or PDF, rendered at the label's
dpi) with field boxes (blue), seal boxes (green) and cross-page seal strips (orange), downscaled to ``--width``.

    python -m scripts.synth.preview OUT/deal_0000/invoice.jpg --label OUT/labels/deal_0000/invoice.jpg.json -o x.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np


def load_page(path: Path, page: int, dpi: float) -> np.ndarray:
    if path.suffix.lower() == ".pdf":
        import pymupdf

        with pymupdf.open(path) as doc:
            pix = doc[page].get_pixmap(dpi=dpi, alpha=False)
            img = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
            return cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if pix.n == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    img = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read {path}")
    return img


def draw(img: np.ndarray, label: dict, page: int, boxes: bool = True) -> np.ndarray:
    out = img.copy()
    if not boxes:
        return out
    t = max(1, img.shape[1] // 800)
    for entries in label.get("field_boxes", {}).values():
        for e in entries:
            if e["page"] == page:
                cv2.rectangle(out, tuple(e["bbox"][:2]), tuple(e["bbox"][2:]), (200, 60, 0), t)
    for key, colour in (("seals", (0, 170, 0)), ("cross_page_seals", (0, 140, 255))):
        for s in label.get(key, []):
            if s.get("page") == page:
                cv2.rectangle(out, tuple(s["bbox"][:2]), tuple(s["bbox"][2:]), colour, 2 * t)
    return out


def preview(path: Path, label: dict, page: int = 0, width: int = 900, boxes: bool = True) -> np.ndarray:
    img = draw(load_page(path, page, label.get("dpi", 200)), label, page, boxes)
    h, w = img.shape[:2]
    if w > width:
        img = cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return img


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--label", type=Path, required=True)
    ap.add_argument("--page", type=int, default=0)
    ap.add_argument("--width", type=int, default=900)
    ap.add_argument("--no-boxes", action="store_true")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    label = json.loads(args.label.read_text(encoding="utf-8"))
    img = preview(args.file, label, args.page, args.width, not args.no_boxes)
    cv2.imwrite(str(args.output), img)


if __name__ == "__main__":
    main()
