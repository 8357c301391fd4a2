# The two commands of the README. Both set everything up first (scripts/setup.sh is idempotent).
.PHONY: setup demo test bench

setup:
	./scripts/setup.sh

# Runs the main job on the demo submission shipped in fixtures/demo.
demo: setup
	.venv/bin/evidence check fixtures/demo --out out/demo

# Runs the whole test suite (unit, integration with the real models).
test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python scripts/bench_ocr.py
