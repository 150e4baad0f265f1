#!/usr/bin/env bash
# Builds the one component every action runs in, from wit/ and runner.py,
# with the pinned componentize-py (installed with pip if missing).
#
#   actions/guest/build.sh            -> actions/guest/dist/actions.wasm (committed,
#                                        embedded in the binary) and its sources stamp
#   actions/guest/build.sh OUT.wasm   -> OUT.wasm only (CI: proves the guest builds)
#
# Run it after changing anything in actions/guest/, and commit dist/.
set -euo pipefail
cd "$(dirname "$0")"
CPY_VERSION=0.25.1
if ! command -v componentize-py >/dev/null || [ "$(componentize-py --version 2>/dev/null | awk '{print $2}')" != "$CPY_VERSION" ]; then
  echo "actions: installing componentize-py==$CPY_VERSION from PyPI (it builds the Python sandbox)" >&2
  python3 -m pip install --quiet "componentize-py==$CPY_VERSION" 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages "componentize-py==$CPY_VERSION"
  export PATH="$HOME/.local/bin:$PATH"
fi
OUT=${1:-dist/actions.wasm}
mkdir -p "$(dirname "$OUT")"
componentize-py -d wit -w action componentize runner -o "$OUT.tmp" >/dev/null
mv "$OUT.tmp" "$OUT"
if [ $# -eq 0 ]; then
  ./sources-stamp.sh > dist/SOURCES
fi
ls -l "$OUT" >&2
