#!/usr/bin/env bash
# Installs what the benchmarks' Python tools need into <repo>/.venv: pyzmq for the pyzmq peer
# (Benchmarks/Peers/pyzmq_bench.py, through Scripts/install-test-peers.sh) and matplotlib for
# Scripts/bench-charts.py. Does nothing when .venv already imports both.
# Needs what install-test-peers.sh needs (python3 with venv) and access to PyPI (or a pip mirror).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
python="$venv/bin/python3"

"$repo/Scripts/install-test-peers.sh"

if "$python" -c 'import matplotlib' >/dev/null 2>&1; then
    echo "Benchmark charts: $("$python" -c 'import matplotlib; print("matplotlib", matplotlib.__version__)') in .venv, nothing to do."
    exit 0
fi

echo "Installing matplotlib into .venv…"
if ! "$python" -m pip install --disable-pip-version-check --quiet matplotlib; then
    echo "error: pip could not install matplotlib into $venv (is PyPI reachable?)." >&2
    exit 1
fi
"$python" -c 'import matplotlib; print("Installed matplotlib", matplotlib.__version__)'
