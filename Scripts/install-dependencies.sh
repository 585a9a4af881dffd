#!/usr/bin/env bash
# Installs what building and testing swift-zeromq needs on Debian/Ubuntu: libzmq3-dev (libzmq
# 4.3 with its pkg-config file) and pkg-config. Does nothing when both are already there.
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail

if pkg-config --exists libzmq 2>/dev/null; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: libzmq (with pkg-config) is missing and apt-get is not available." >&2
    echo "Install libzmq 4.3 development files and pkg-config with your package manager." >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "error: installing libzmq3-dev needs root; run as root or install sudo." >&2
        exit 1
    fi
fi

echo "Installing libzmq3-dev and pkg-config…"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libzmq3-dev pkg-config >/dev/null
pkg-config --modversion libzmq
