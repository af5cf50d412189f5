#!/usr/bin/env bash
# Build planmine's wheel, install it into a fresh venv outside the checkout and run
# `planmine extract` on a text file there: proves the wheel carries its rule files and models
# (what a Dask worker or a `pip install planmine` user gets), not just the source tree.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" wheel --quiet --no-deps -w "$work/dist" "$repo"
"$work/venv/bin/pip" install --quiet "$work"/dist/planmine-*.whl
mkdir -p "$work/in"
cp "$repo/tests/data/text/lcc-annual-delivery-report-2019.txt" "$work/in/"
cd "$work"   # outside the checkout: only the installed package can be imported
"$work/venv/bin/planmine" extract "$work/in" --out "$work/out" --jobs 1
"$work/venv/bin/python" - "$work/out" <<'PY'
import csv, pathlib, sys
import pipeline
out = pathlib.Path(sys.argv[1])
assert "site-packages" in pipeline.__file__, f"imported from the checkout: {pipeline.__file__}"
docs = list(csv.DictReader((out / "documents.csv").open(encoding="utf-8")))
claims = list(csv.DictReader((out / "claims.csv").open(encoding="utf-8")))
assert docs and docs[0]["status"] == "ok", docs
assert len(claims) > 100, f"only {len(claims)} claims"
print(f"wheel check: installed planmine extracted {len(claims)} claims from {docs[0]['file']}")
PY
