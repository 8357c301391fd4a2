#!/usr/bin/env bash
# Build the image from the committed tree and run the demo submission inside it with no network at all: the models
# must be in the image and nothing may be downloaded. Checks the verdict in summary.csv.
#
#   scripts/docker_smoke.sh                      # FROM python:3.11-slim
#   BASE=registry.example/python:3.11-slim scripts/docker_smoke.sh
#
# Needs a running Docker engine and, for the build only, the package registries (Debian, PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:-python:3.11-slim}
TAG=${TAG:-evidence-pipeline:smoke}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
chmod 777 "$OUT"  # the image runs as uid 10001

git archive HEAD | docker build --network host --build-arg "BASE=$BASE" -t "$TAG" -
docker run --rm --network none -v "$OUT:/out" "$TAG" check demo --out /out/demo
echo
cat "$OUT/demo/summary.csv"
python3 - "$OUT/demo/summary.csv" <<'PY'
import csv, sys
row = next(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
assert row["verdict"] == "eligible", f"demo verdict {row['verdict']!r}, expected 'eligible'"
print("docker smoke test: ok (demo eligible, no network)")
PY
