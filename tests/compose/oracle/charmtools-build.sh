#!/usr/bin/env bash
# Oracle: build a fixture layer with the real charm-tools 3.0.9 `charm-build`,
# offline, and summarise the result as OUT_DIR/oracle.json.
#
# Usage: charmtools-build.sh LAYER_DIR OUT_DIR
#
#   LAYER_DIR  the top (charm) layer. Its parent directory must hold the
#              sibling `layers/` and `interfaces/` directories (either may be
#              missing); they become CHARM_LAYERS_DIR / CHARM_INTERFACES_DIR.
#   OUT_DIR    receives the built charm (a copy of <build-dir>/<charm-name>/)
#              plus oracle.json. It must not exist, be empty, or be a previous
#              oracle output (it then holds oracle.json and is wiped).
#
# Environment:
#   CHARMTOOLS_VENV        venv to (re)use; default <repo>/target/charmtools-venv
#   CHARMTOOLS_PYTHON      interpreter used to create the venv; default python3
#   CHARMTOOLS_BUILD_ARGS  extra charm-build arguments, word-split (e.g. "-v")
#   CHARMTOOLS_LOG_TAIL    number of log lines kept in stderr_tail; default 40
#
# Exit status: 0 when charm-build exited 0 or 100 (100 = charm-proof warnings
# only); 3 when charm-build failed (1 = BuildError/crash, 200 = proof errors) --
# oracle.json is still written and holds the real exit code; 2 for usage or
# provisioning errors.
#
# What the build is isolated from (so results are deterministic and offline):
#   * cwd is LAYER_DIR: charm-tools resolves relative-path includes against the
#     process cwd (not against the including layer), see tests/compose/README.md.
#   * GIT_CEILING_DIRECTORIES=<parent of LAYER_DIR>: the fixtures live inside
#     the project's git checkout; without this, `git rev-parse HEAD` /
#     `git describe` would find the project repo and put its sha into
#     .build.manifest `rev` fields and a generated `version` file.
#   * -i file://<empty dir>/ : the layer index can never reach the network.
#   * --hide-metrics + CHARM_HIDE_METRICS=1: no telemetry, no ~/.config write.
#   * -C <tmp>: cache dir outside $HOME; -o <tmp>: build dir outside the source.
#   * LAYER_PATH / INTERFACE_PATH / JUJU_REPOSITORY / CHARM_BUILD_DIR unset.
set -euo pipefail

CT_VERSION=3.0.9

die() { echo "charmtools-build.sh: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: $0 LAYER_DIR OUT_DIR"
[ -d "$1" ] || die "LAYER_DIR not a directory: $1"

LAYER_DIR=$(cd "$1" && pwd -P)
CASE_DIR=$(dirname "$LAYER_DIR")
OUT_DIR=$2
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../../.." && pwd -P)
VENV=${CHARMTOOLS_VENV:-$REPO_ROOT/target/charmtools-venv}
PY=${CHARMTOOLS_PYTHON:-python3}
TAIL_N=${CHARMTOOLS_LOG_TAIL:-40}

# ---------------------------------------------------------------- venv ------
# A venv is not relocatable, so it is built in place; the marker file is only
# written after a successful install, and a venv without it is rebuilt.
# flock serialises concurrent provisioning (parallel test runs).
MARKER="$VENV/.charmtools-oracle-$CT_VERSION"
provision() {
    if [ -f "$MARKER" ] && [ -x "$VENV/bin/charm-build" ]; then
        return 0
    fi
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" >/dev/null
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q \
        "charm-tools==$CT_VERSION" >/dev/null
    touch "$MARKER"
}
mkdir -p "$(dirname "$VENV")"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$VENV.lock"
    flock 9
    provision || die "failed to provision $VENV"
    flock -u 9
    exec 9>&-
else
    provision || die "failed to provision $VENV"
fi

# CHARMTOOLS_PROVISION_ONLY=1: stop once the venv is ready (charmtools-proof.sh).
[ -z "${CHARMTOOLS_PROVISION_ONLY:-}" ] || exit 0

# ------------------------------------------------------------- out dir ------
if [ -e "$OUT_DIR" ]; then
    [ -d "$OUT_DIR" ] || die "OUT_DIR exists and is not a directory: $OUT_DIR"
    if [ -n "$(ls -A "$OUT_DIR")" ]; then
        [ -f "$OUT_DIR/oracle.json" ] ||
            die "OUT_DIR is not empty and not a previous oracle output: $OUT_DIR"
        rm -rf "$OUT_DIR"
    fi
fi
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd -P)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/charmtools-oracle.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/build" "$WORK/cache" "$WORK/no-index"

# charmhelpers (imported by some charm-tools paths) refuses "Debian GNU/Linux";
# the project's sitecustomize patches get_platform() without touching the venv.
PYPATH_EXTRA=""
if [ -f "$REPO_ROOT/bench/python-site/sitecustomize.py" ]; then
    PYPATH_EXTRA="$REPO_ROOT/bench/python-site"
fi

# shellcheck disable=SC2206
EXTRA_ARGS=(${CHARMTOOLS_BUILD_ARGS:-})

set +e
(
    cd "$LAYER_DIR"
    env -u LAYER_PATH -u INTERFACE_PATH -u JUJU_REPOSITORY -u CHARM_BUILD_DIR \
        -u CHARM_CACHE_DIR \
        CHARM_LAYERS_DIR="$CASE_DIR/layers" \
        CHARM_INTERFACES_DIR="$CASE_DIR/interfaces" \
        CHARM_HIDE_METRICS=1 \
        GIT_CEILING_DIRECTORIES="$CASE_DIR" \
        PYTHONPATH="$PYPATH_EXTRA${PYTHONPATH:+:$PYTHONPATH}" \
        TERM=dumb \
        "$VENV/bin/charm-build" \
        --hide-metrics \
        -i "file://$WORK/no-index/" \
        -o "$WORK/build" \
        -C "$WORK/cache" \
        "${EXTRA_ARGS[@]}" \
        "$LAYER_DIR"
) >"$WORK/build.log" 2>&1 </dev/null
RC=$?
set -e

BUILT=""
for d in "$WORK/build"/*/; do
    [ -d "$d" ] || continue
    [ -z "$BUILT" ] || die "more than one directory in the build dir"
    BUILT=${d%/}
done
if [ -n "$BUILT" ]; then
    cp -a "$BUILT/." "$OUT_DIR/"
fi

"$VENV/bin/python" "$SCRIPT_DIR/dump.py" \
    --charm "$OUT_DIR" \
    --charm-name "$(basename "${BUILT:-unknown}")" \
    --exit-code "$RC" \
    --log "$WORK/build.log" \
    --tail "$TAIL_N" \
    --output "$OUT_DIR/oracle.json"

case "$RC" in
    0|100) exit 0 ;;
    *) echo "charmtools-build.sh: charm-build exited $RC (see $OUT_DIR/oracle.json)" >&2
       exit 3 ;;
esac
