#!/usr/bin/env bash
# Re-run the charm-tools oracle on every fixture case and save the result as
# tests/compose/fixtures/<case>/charmtools-observed.json (documentation only; the
# Rust tests re-run charm-tools live). Machine-specific paths are normalised:
#   <repo>  the repository root
#   <work>  the oracle's temporary directory (/tmp/charmtools-oracle.XXXXXX)
#   <pid>   charm-build's per-process cache subdirectory
#
# Usage: record-observed.sh [CASE...]   (default: every case)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../../.." && pwd -P)
FIXTURES="$SCRIPT_DIR/../fixtures"
VENV=${CHARMTOOLS_VENV:-$REPO_ROOT/target/charmtools-venv}

if [ $# -gt 0 ]; then
    CASES=("$@")
else
    CASES=()
    for d in "$FIXTURES"/*/top; do CASES+=("$(basename "$(dirname "$d")")"); done
fi

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/charmtools-observed.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

for c in "${CASES[@]}"; do
    out="$SCRATCH/$c"
    set +e
    "$SCRIPT_DIR/charmtools-build.sh" "$FIXTURES/$c/top" "$out" 2>/dev/null
    rc=$?
    set -e
    [ -f "$out/oracle.json" ] || { echo "$c: no oracle.json (oracle exit $rc)" >&2; exit 1; }
    "$VENV/bin/python" - "$out/oracle.json" "$FIXTURES/$c/charmtools-observed.json" "$REPO_ROOT" <<'PY'
import json, re, sys
src, dst, repo = sys.argv[1:4]
text = open(src, encoding="utf-8").read()
text = text.replace(repo, "<repo>")
text = re.sub(r"/[^\s\"']*/charmtools-oracle\.[A-Za-z0-9]+", "<work>", text)
text = re.sub(r"(<work>/cache/)\d+", r"\1<pid>", text)
json.loads(text)  # still valid JSON
open(dst, "w", encoding="utf-8").write(text)
PY
    printf '%-26s charm-build exit %s\n' "$c" \
        "$("$VENV/bin/python" -c 'import json,sys;print(json.load(open(sys.argv[1]))["exit_code"])' "$out/oracle.json")"
done
