#!/usr/bin/env bash
# Build benchmark: `reactive build` of the two-crate test charm (tests/compose/rules/
# crate-charm) — cold (empty target dir), no-op rebuild, rebuild after editing one
# handler — and the stripped size of the charm binary. Writes BENCHMARKS.md's section.
#
# Usage: bash bench/build.sh [--runs N]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo build --release -q -p charms-reactive-cli --manifest-path "$repo/Cargo.toml"
exec python3 "$repo/bench/build_bench.py" --reactive "$repo/target/release/reactive" "$@"
