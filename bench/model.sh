#!/usr/bin/env bash
# Model benchmark: hooks per second when deploying a trivial built charm (bench/charms/
# trivial: one handler, a peer relation) at 20 units on the local model. Writes
# BENCHMARKS.md's section. Usage: bash bench/model.sh [--units N] [--runs N] [--jobs N…]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo build --release -q -p charms-reactive-cli --manifest-path "$repo/Cargo.toml"
exec python3 "$repo/bench/model_bench.py" --reactive "$repo/target/release/reactive" "$@"
