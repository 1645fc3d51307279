#!/usr/bin/env bash
# One-shot dispatch benchmark: Python charms.reactive vs the Rust runtime on
# the chain charm (N = 10 and 100), then rewrite BENCHMARKS.md's section.
#
# Usage: bash bench/run.sh [measure.py options, e.g. --runs 50 | --only python]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/target/bench"
venv="$out/venv"
ns=(10 100)

# A real unit caches compiled modules; the host default would make every
# Python hook recompile its charm code.
unset PYTHONDONTWRITEBYTECODE

# Which frameworks to prepare: follow measure.py's --only, if given.
want_python=1 want_rust=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --only) only="${args[i + 1]:-}" ;;
        --only=*) only="${args[i]#--only=}" ;;
        *) continue ;;
    esac
    case "$only" in
        python) want_rust=0 ;;
        rust) want_python=0 ;;
    esac
done

mkdir -p "$out"
# The launcher that times each hook and reads its peak RSS (see bench/spawn_rss.rs).
rustc -O --edition 2021 -o "$out/spawn_rss" "$repo/bench/spawn_rss.rs"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
# Idempotent; quick when already satisfied.
"$venv/bin/pip" install --quiet charms.reactive==1.5.3 charmhelpers==1.2.1

if [ "$want_python" = 1 ]; then
    for n in "${ns[@]}"; do
        "$venv/bin/python" "$repo/bench/gen_chain.py" "$n" "$out/python-chain-$n" \
            --lang python --python "$venv/bin/python" >/dev/null
    done
fi

if [ "$want_rust" = 1 ]; then
    export CARGO_TARGET_DIR="$out/cargo-target"
    for n in "${ns[@]}"; do
        pkg="$out/rust-chain-$n"
        "$venv/bin/python" "$repo/bench/gen_chain.py" "$n" "$pkg" --lang rust >/dev/null
        # One build at a time: the machine has few cores and LTO is heavy.
        cargo build --release --manifest-path "$pkg/Cargo.toml"
        install -m 755 "$CARGO_TARGET_DIR/release/chain-$n" "$pkg/charm/hooks/config-changed"
    done
fi

exec "$venv/bin/python" "$repo/bench/measure.py" "$@"
