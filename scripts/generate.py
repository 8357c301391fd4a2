"""Generate synthetic evidence with ground truth: for each of ``--count`` deals, the contract, invoice, bank slip(s),
acceptance certificate and voucher(s), each in a random variant (digital PDF, scan, phone photo, greyscale, fax),
plus ``labels/<file>.json`` in the realdata label format with field and seal boxes, and ``manifest.json``.

    python scripts/generate.py --seed 7 --out /tmp/synth --count 3 [--types invoice,contract] [--variant scan]

The same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.synth.bundle import VARIANTS, write_deal  # noqa: E402
from scripts.synth.model import FIELD_NAMES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--count", type=int, default=1, help="number of deals (each gives 5-6 documents)")
    kinds = sorted(t for t in FIELD_NAMES if t != "other")
    ap.add_argument("--types", default="", help=f"comma-separated subset of {kinds}")
    ap.add_argument("--variant", choices=VARIANTS, default=None, help="force one variant for every document")
    ap.add_argument("--dpi", type=int, default=None, help="force the raster dpi (default: drawn from 150/200/300)")
    args = ap.parse_args(argv)
    only = {t.strip() for t in args.types.split(",") if t.strip()} or None
    if only and only - set(FIELD_NAMES):
        ap.error(f"unknown types {sorted(only - set(FIELD_NAMES))}")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i in range(args.count):
        for w in write_deal(args.out, f"deal_{i:04d}", args.seed, i, only, args.variant, args.dpi):
            manifest.append({"deal": f"deal_{i:04d}", "doc_type": w.doc_type, "file": w.file, "label": w.label,
                             "variant": w.variant})
            print(f"{w.file:45s} {w.doc_type:11s} {w.variant}")
    (args.out / "manifest.json").write_text(
        json.dumps({"seed": args.seed, "count": args.count, "documents": manifest}, ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
