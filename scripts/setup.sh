#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: system packages, a virtualenv, the package.
# Idempotent: a second run checks and returns in a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
# chromium: the HTML report is tested in a real headless browser (tests/integration/test_report_scenario.py);
# poppler-data: poppler's CJK encodings (without it pdftoppm draws a PDF's Chinese text in a non-embedded font as
# nothing at all; installed only as a recommendation of libpoppler, which --no-install-recommends skips)
APT_PACKAGES=(fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim poppler-utils poppler-data chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages ${missing[*]} (fonts for fixtures, tesseract baseline, poppler renderer, chromium for the report test);" \
         "install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.evidence-installed
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the package and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi
