#!/usr/bin/env bash
# The project's test command (README, .ci/run): formatting, lints, then every test.
# Everything the tests need is in the repository or built by cargo; the Python-based
# comparisons provision their own venv from PyPI (see bench/run.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    rustup component add rustfmt clippy
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# --no-fail-fast: a failing test binary must not hide the results of the ones after it.
cargo test --workspace --no-fail-fast
