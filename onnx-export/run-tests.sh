#!/usr/bin/env bash
# Runs the onnx-export tests with the first python3 on PATH that has torch, onnx and pytest
# (Debian's packages live in the system interpreter, which may not be the first python3).
set -euo pipefail
cd "$(dirname "$0")"
for py in ${PYTHON:-} $(which -a python3 2>/dev/null) /usr/bin/python3; do
  if "$py" -c 'import torch, onnx, pytest, numpy' 2>/dev/null; then
    exec "$py" -m pytest -q tests "$@"
  fi
done
echo "onnx-export tests need a python3 with torch, onnx, numpy and pytest" \
     "(Debian: apt-get install python3-torch python3-onnx python3-pytest)" >&2
exit 1
