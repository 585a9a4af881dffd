#!/usr/bin/env bash
# Installs the Python peers' dependency for Tests/InteropTests: a virtual environment at <repo>/.venv
# with pyzmq (Tests/PythonPeers/requirements.txt). Does nothing when .venv already imports zmq.
# As root, also iproute2 and iptables when missing (the network-namespace tests).
# Needs python3 with the venv module (Debian/Ubuntu: apt-get install python3 python3-venv) and
# access to PyPI (or a pip mirror configured for pip).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
requirements="$repo/Tests/PythonPeers/requirements.txt"
python="$venv/bin/python3"

# The root-only interop suites (network namespaces: MulticastTests, AcrossHostsTests) need
# iproute2's ip and tc, and iptables (NFQUEUE) where the kernel has no netem. Only root runs
# them, so only a root run installs these.
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=""
    { command -v ip && command -v tc; } >/dev/null 2>&1 || missing="$missing iproute2"
    command -v iptables >/dev/null 2>&1 || missing="$missing iptables"
    if [ -n "$missing" ]; then
        echo "Installing$missing with apt-get (network namespaces for the root-only interop tests)…"
        # shellcheck disable=SC2086  # one word per package
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
            echo "warning: could not install$missing; the network-namespace tests will fail or be skipped." >&2
    fi
fi

# The certificate interop tests (Tests/InteropTests/Security) compile a small C program against
# czmq (Tests/CPeers/zcert_tool.c): as root, install libczmq-dev when czmq.h is missing.
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && [ ! -e /usr/include/czmq.h ]; then
    echo "Installing libczmq-dev with apt-get (czmq's certificates for the interop tests)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libczmq-dev >/dev/null; } ||
        echo "warning: could not install libczmq-dev; the czmq certificate interop tests will fail." >&2
fi

if [ -x "$python" ] && "$python" -c 'import zmq' >/dev/null 2>&1; then
    echo "Python test peers: $("$python" -c 'import zmq; print("pyzmq", zmq.pyzmq_version(), "with libzmq", zmq.zmq_version())') in .venv, nothing to do."
    exit 0
fi

# Debian's python3 comes without venv (and ensurepip): install both with apt when we can.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || return 1
        sudo="sudo"
    fi
    echo "Installing $* with apt-get…"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3-venv || true
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is missing; the interoperability tests run the seed's programs with it." >&2
    echo "Install Python 3 with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv), then rerun $0." >&2
    exit 1
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv || true
fi

if [ ! -x "$python" ] || ! "$python" -c 'import sys' >/dev/null 2>&1; then
    echo "Creating $venv with $(python3 --version 2>&1)…"
    if ! python3 -m venv --clear "$venv"; then
        echo "error: python3 -m venv failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv), then rerun $0." >&2
        exit 1
    fi
fi

echo "Installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into .venv…"
if ! "$python" -m pip install --disable-pip-version-check --quiet -r "$requirements"; then
    echo "error: pip could not install $requirements into $venv (is PyPI reachable?)." >&2
    exit 1
fi
"$python" -c 'import zmq; print("Installed pyzmq", zmq.pyzmq_version(), "with libzmq", zmq.zmq_version())'
