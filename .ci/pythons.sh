#!/usr/bin/env bash
# The supported Python range (pyproject: >= 3.11), beyond the dev venv's 3.11:
# for each interpreter found (pyenv's or on PATH), a fresh venv gets the
# runtime and test dependencies from PyPI, the wheel is built there (build
# isolation, NumPy 2), installed, and the core tests run against it.
# An interpreter that is absent is reported and skipped, never faked.
# Usage: .ci/pythons.sh [VERSION...]   (default: 3.12 3.13)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${LV_PYTHONS_DIR:-$ROOT/build/pythons}
mkdir -p "$WORK"
status=0
for ver in "${@:-3.12 3.13}"; do
  for v in $ver; do
    py=""
    if command -v pyenv >/dev/null; then   # pyenv's shims need the version named
        full=$(pyenv versions --bare | grep -E "^$v(\.|$)" | tail -1 || true)
        prefix=$([ -n "$full" ] && pyenv prefix "$full" 2>/dev/null || true)
        [ -n "$prefix" ] && py=$prefix/bin/python$v
    fi
    if [ -z "$py" ] || ! "$py" -c pass 2>/dev/null; then
        py=$(command -v "python$v" || true)
    fi
    if [ -z "$py" ] || ! "$py" -c pass 2>/dev/null; then
        echo "== Python $v: not on this machine, skipped"
        continue
    fi
    echo "== Python $v ($py)"
    venv=$WORK/venv-$v
    rm -rf "$venv" "$WORK/wheels-$v"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q "numpy>=2" "dask[array]" distributed tifffile \
        imageio tqdm pytest hypothesis
    "$venv/bin/python" -m pip wheel -q --no-deps -w "$WORK/wheels-$v" "$ROOT"
    "$venv/bin/python" -m pip install -q --no-deps "$WORK"/wheels-$v/lazyview-*.whl
    site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    if ! (cd "$WORK" && env -u PYTHONPATH LV_TEST_PACKAGE_DIR="$site" LV_HYPOTHESIS_EXAMPLES=50 \
            "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
            "$ROOT"/tests/py/test_core.py "$ROOT"/tests/py/test_lazy.py \
            "$ROOT"/tests/py/test_oracle.py "$ROOT"/tests/py/test_spec.py \
            "$ROOT"/tests/py/test_protocols.py "$ROOT"/tests/py/test_tiff.py \
            -k "not xarray and not torch"); then
        status=1
    fi
  done
done
exit $status
