#!/usr/bin/env bash
# Builds the one component every action runs in: actions/guest/dist/actions.wasm
# from wit/ and runner.py with the pinned componentize-py (installed with pip
# if missing). Run it after changing anything in actions/guest/.
set -euo pipefail
cd "$(dirname "$0")"
CPY_VERSION=0.25.1
if ! command -v componentize-py >/dev/null || [ "$(componentize-py --version 2>/dev/null | awk '{print $2}')" != "$CPY_VERSION" ]; then
  echo "actions: installing componentize-py==$CPY_VERSION from PyPI (builds the Python sandbox)" >&2
  python3 -m pip install --quiet "componentize-py==$CPY_VERSION"
fi
mkdir -p dist
componentize-py -d wit -w action componentize runner -o dist/actions.wasm.tmp
mv dist/actions.wasm.tmp dist/actions.wasm
ls -l dist/actions.wasm >&2
