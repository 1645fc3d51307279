#!/usr/bin/env bash
# Provisions (once) a venv with the real charmhelpers from PyPI for the model tests and
# prints its python. The venv is target/charmhelpers-venv.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
venv=${CHARMHELPERS_VENV:-$repo/target/charmhelpers-venv}
marker="$venv/.charmhelpers-1.2.1"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ ! -f "$marker" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >/dev/null
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install -q charmhelpers==1.2.1 >/dev/null
    touch "$marker"
fi
echo "$venv/bin/python"
