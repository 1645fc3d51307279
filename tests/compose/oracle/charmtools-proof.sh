#!/usr/bin/env bash
# Runs the real charm-tools `charm-proof` on CHARM_DIR (provisioning the same venv as
# charmtools-build.sh) and exits with its code: 0, 100 (W: lines) or 200 (E: lines).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 CHARM_DIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../../.." && pwd -P)
venv=${CHARMTOOLS_VENV:-$repo/target/charmtools-venv}
CHARMTOOLS_PROVISION_ONLY=1 bash "$here/charmtools-build.sh" "$1" "$1/.unused"
export PYTHONPATH="$repo/bench/python-site${PYTHONPATH:+:$PYTHONPATH}"
exec "$venv/bin/charm-proof" "$1"
