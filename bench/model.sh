#!/usr/bin/env bash
# Model benchmark: hooks per second when deploying a trivial built charm (bench/charms/
# trivial: one handler, a peer relation) at 20 units on the local model. Writes
# BENCHMARKS.md's section. Usage: bash bench/model.sh [--units N] [--runs N]
#
# Builds the hook-tool binary twice: for glibc (beside `reactive`) and statically for musl,
# which `reactive model` prefers; glibc's start-up probes the CPU on every process start,
# which costs ~0.6 ms per tool call on VMs. Adds the musl target with rustup if missing.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
musl=x86_64-unknown-linux-musl
if ! rustup target list --installed | grep -qx "$musl"; then
    rustup target add "$musl"
fi
cargo build --release -q -p charms-reactive-cli -p charms-reactive-model --manifest-path "$repo/Cargo.toml"
cargo build --release -q -p charms-reactive-model --bin reactive-hook-tool --target "$musl" \
    --manifest-path "$repo/Cargo.toml"
target="${CARGO_TARGET_DIR:-$repo/target}"
exec python3 "$repo/bench/model_bench.py" --reactive "$target/release/reactive" \
    --glibc-tool "$target/release/reactive-hook-tool" \
    --musl-tool "$target/$musl/release/reactive-hook-tool" "$@"
