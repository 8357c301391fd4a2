"""Benchmark of red-ink suppression: OCR character accuracy of text under seals, with and without suppression.

    .venv/bin/python -m scripts.bench_redink                 # synthetic pages (6 by default) + the real seal crops
    .venv/bin/python -m scripts.bench_redink --pages 3 --no-real

Synthetic pages: a rendered contract page (scripts/synth/text_page.py) stamped with 2 seals over body text
(scripts/synth/seals.py; a simple ring + arc text + star drawn here when that module is missing), in three ink/paper
variants: normal red ink, faint pink ink, and red ink on tinted (green or blue) paper; each page goes through a JPEG
round trip like a scan. Every page is read by RapidOCR three times: clean (no seal), sealed, sealed after
``suppress_red_ink``. Accuracy is 1 - (edit distance / ground-truth length) over the ground-truth lines that cross a
seal ("under seals") and over all lines ("page"); texts are NFKC-normalised without spaces.

Real crops: /work/shared/realdata/seals/ctools__CROP_gongzhang_*.png (a company seal over printed contract text) are
read with and without suppression and the texts printed (no ground truth). They are only read, never copied.
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from pipeline.ocr.base import OcrLine, get_engine
from pipeline.ocr.redink import suppress_red_ink

REAL_SEALS = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "seals"
VARIANTS = ("red", "faint_pink", "tinted_paper")


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class GtLine:
    text: str
    box: tuple[int, int, int, int]


def _simple_seal(diameter: int, text: str, rgb: tuple[int, int, int], strength: float) -> np.ndarray:
    """RGBA seal without scripts/synth/seals.py: red ring, company name along the top arc, a star."""
    from PIL import Image, ImageDraw, ImageFont

    size = diameter
    alpha = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(alpha)
    ring = max(3, size // 22)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=255, width=ring)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", size // 8, index=2)
    radius = size / 2 - ring * 2.2 - size / 16
    for i, ch in enumerate(text):
        angle = np.radians(200 + 140 * i / max(1, len(text) - 1))
        glyph = Image.new("L", (size // 7, size // 7), 0)
        ImageDraw.Draw(glyph).text((0, -size // 60), ch, font=font, fill=255)
        glyph = glyph.rotate(-np.degrees(angle) - 90, resample=Image.BICUBIC)
        x = size / 2 + radius * np.cos(angle) - glyph.width / 2
        y = size / 2 + radius * np.sin(angle) - glyph.height / 2
        alpha.paste(255, (int(x), int(y)), glyph)
    r = size * 0.17
    star = [(size / 2 + (r if k % 2 == 0 else r * 0.38) * np.cos(np.radians(-90 + 36 * k)),
             size / 2 + (r if k % 2 == 0 else r * 0.38) * np.sin(np.radians(-90 + 36 * k))) for k in range(10)]
    draw.polygon(star, fill=255)
    out = np.zeros((size, size, 4), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = (np.asarray(alpha, np.float32) * strength).astype(np.uint8)
    return out


def _stamp(page: np.ndarray, seal: np.ndarray, center: tuple[float, float]) -> tuple[np.ndarray, list[int]]:
    try:
        from scripts.synth.seals import stamp
    except ImportError:
        stamp = None
    if stamp is not None:
        out, box = stamp(page, seal, center)
        return out, box
    h, w = seal.shape[:2]
    x0, y0 = int(center[0] - w / 2), int(center[1] - h / 2)
    out = page.copy()
    a = seal[..., 3:4].astype(np.float32) / 255
    region = out[y0:y0 + h, x0:x0 + w].astype(np.float32)
    out[y0:y0 + h, x0:x0 + w] = (region * (1 - a * (1 - seal[..., 2::-1][..., :3] / 255.0))).astype(np.uint8)
    return out, [x0, y0, x0 + w, y0 + h]


def _seal(variant: str, owner: str, dpi: int, rng: np.random.Generator) -> np.ndarray:
    faint = variant == "faint_pink"
    rgb = (232, 96, 128) if faint else (208, 28, 38)
    strength = 0.45 if faint else 0.95
    try:
        from scripts.synth.seals import SealSpec, render_seal
    except ImportError:
        return _simple_seal(int(42 / 25.4 * dpi), owner, rgb, strength)
    kind = ("official", "contract", "finance")[int(rng.integers(3))]
    spec = SealSpec(type=kind, owner=owner, color=rgb, ink_strength=strength, partial=0.0)
    return render_seal(spec, dpi, rng)


def make_page(seed: int, variant: str, dpi: int = 200) -> tuple[np.ndarray, np.ndarray, list[GtLine], list[list[int]]]:
    """(clean page, sealed page, ground-truth lines, seal boxes), both pages BGR after a JPEG round trip."""
    from scripts.synth.text_page import render_contract_page

    rng = np.random.default_rng(seed)
    page = render_contract_page(seed=seed, dpi=dpi)
    lines = [GtLine(norm(line.text), line.box) for line in page.lines]
    clean = page.bgr()
    if variant == "tinted_paper":
        tint = (228, 243, 226) if seed % 2 else (245, 232, 222)  # BGR: green-ish or blue-ish invoice paper
        clean = (clean.astype(np.float32) * np.array(tint, np.float32) / 255).astype(np.uint8)
    body = [line for line in page.lines[3:-1] if line.box[2] - line.box[0] > 0.5 * clean.shape[1]]
    sealed, boxes = clean, []
    for k in range(2):
        line = body[int(rng.integers(len(body) // 2)) + k * len(body) // 2]
        cx = float(rng.uniform(line.box[0] + 150, line.box[2] - 150))
        owner = page.spec.party_b if page.spec else "成都天府软件服务有限公司"
        sealed, box = _stamp(sealed, _seal(variant, owner, dpi, rng), (cx, (line.box[1] + line.box[3]) / 2))
        if box:
            boxes.append(box)
    return _jpeg(clean), _jpeg(sealed), lines, boxes


def _jpeg(image: np.ndarray, quality: int = 80) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def read_lines(ocr: list[OcrLine], gt: list[GtLine]) -> list[str]:
    """The OCR text falling on each ground-truth line: OCR boxes whose centre lies in the line's box, left to right."""
    found: list[list[tuple[float, str]]] = [[] for _ in gt]
    for line in ocr:
        cx = sum(p[0] for p in line.points) / len(line.points)
        cy = sum(p[1] for p in line.points) / len(line.points)
        for i, g in enumerate(gt):
            x0, y0, x1, y1 = g.box
            if x0 - 20 <= cx <= x1 + 20 and y0 - 6 <= cy <= y1 + 6:
                found[i].append((min(p[0] for p in line.points), line.text))
                break
    return [norm("".join(t for _, t in sorted(parts))) for parts in found]


def accuracy(pairs: list[tuple[str, str]]) -> float:
    total = sum(len(gt) for gt, _ in pairs)
    errors = sum(Levenshtein.distance(gt, got) for gt, got in pairs)
    return 1.0 - errors / total if total else float("nan")


def under_seal(line: GtLine, boxes: list[list[int]]) -> bool:
    x0, y0, x1, y1 = line.box
    for bx0, by0, bx1, by1 in boxes:
        overlap_h = min(y1, by1) - max(y0, by0)
        if overlap_h > 0.5 * (y1 - y0) and min(x1, bx1) > max(x0, bx0):
            return True
    return False


def bench_synthetic(pages: int, dpi: int) -> list[dict]:
    engine = get_engine("rapidocr")
    rows = []
    for i in range(pages):
        variant = VARIANTS[i % len(VARIANTS)]
        clean, sealed, gt, boxes = make_page(100 + i, variant, dpi)
        start = time.perf_counter()
        cleaned = suppress_red_ink(sealed)
        seconds = time.perf_counter() - start
        texts = {name: read_lines(engine(img), gt) for name, img in
                 (("clean", clean), ("sealed", sealed), ("suppressed", cleaned))}
        under = [k for k, line in enumerate(gt) if under_seal(line, boxes)]
        row = {"page": 100 + i, "variant": variant, "lines_under": len(under), "suppress_s": seconds}
        for name, got in texts.items():
            row[f"under_{name}"] = accuracy([(gt[k].text, got[k]) for k in under])
            row[f"page_{name}"] = accuracy([(g.text, t) for g, t in zip(gt, got)])
        rows.append(row)
        print(f"page {row['page']} {variant:13s} lines under seals {len(under):2d}  "
              f"under: clean {row['under_clean']:.3f} sealed {row['under_sealed']:.3f} "
              f"suppressed {row['under_suppressed']:.3f}  page: clean {row['page_clean']:.3f} "
              f"sealed {row['page_sealed']:.3f} suppressed {row['page_suppressed']:.3f}  "
              f"suppress {seconds * 1000:.0f} ms",
              flush=True)
    return rows


def summary(rows: list[dict]) -> None:
    print("\n| paper / ink | pages | under seals: clean | sealed | suppressed | page: clean | sealed | suppressed |"
          " suppress ms/page |")
    print("|---|---|---|---|---|---|---|---|---|")
    for variant in (*VARIANTS, "all"):
        sel = [r for r in rows if variant in ("all", r["variant"])]
        if not sel:
            continue
        mean = lambda key: statistics.fmean(r[key] for r in sel)  # noqa: E731
        print(f"| {variant} | {len(sel)} | {mean('under_clean'):.3f} | {mean('under_sealed'):.3f} | "
              f"{mean('under_suppressed'):.3f} | {mean('page_clean'):.3f} | {mean('page_sealed'):.3f} | "
              f"{mean('page_suppressed'):.3f} | {1000 * mean('suppress_s'):.0f} |")


def bench_real() -> None:
    engine = get_engine("rapidocr")
    for path in sorted(REAL_SEALS.glob("ctools__CROP_gongzhang_*.png")):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        print(f"\n{path.name} ({image.shape[1]}x{image.shape[0]})")
        for name, img in (("without", image), ("with", suppress_red_ink(image))):
            lines = engine(img)
            print(f"  {name:7s}: " + " | ".join(f"{line.text} ({line.score:.2f})" for line in lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args(argv)
    if args.pages:
        summary(bench_synthetic(args.pages, args.dpi))
    if not args.no_real and REAL_SEALS.is_dir():
        bench_real()


if __name__ == "__main__":
    main()
