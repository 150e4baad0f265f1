#!/usr/bin/env bash
# What dist/actions.wasm was built from: componentize-py's version and the
# SHA-256 of each source. scripts/test.sh compares it with the sources, so a
# change to the guest without a rebuild fails the tests (componentize-py's
# output is not byte-for-byte reproducible, so the wasm itself can't be
# compared).
set -euo pipefail
cd "$(dirname "$0")"
echo "componentize-py 0.25.1"
sha256sum wit/actions.wit runner.py
