#!/usr/bin/env bash
# Core layers benchmark: one quiet `update-status` hook (nothing to do) of a charm made of
# the core layers, next to the bare hello charm: median wall time and processes per hook.
# Also a trivial charm with no layer (`bare`), base alone, and base + apt. Prints a table
# (BENCHMARKS.md is merged by hand). Usage:
#   bash bench/layers.sh [--runs N]          # default 30 timed runs per charm
#
# Method (see bench/layers_bench.py): each charm is built with `reactive build` (release
# dispatch); its `dispatch` runs as Juju would run it, with the fake hook tools of
# bench/fake-hook-tools (each call recorded) and stand-ins for apt-get, apt-mark,
# dpkg-query, add-apt-repository, systemctl and journalctl (recorded too, so a quiet hook
# that runs one shows); the unit first goes through install, leader-elected,
# config-changed, start and three update-status hooks, then `--runs` update-status hooks
# are timed (spawn to wait4) and their processes counted.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
work="$target/bench/layers"
cargo build -q -p charms-reactive-cli --manifest-path "$repo/Cargo.toml"
reactive="$target/debug/reactive"
rm -rf "$work/src" "$work/built"
mkdir -p "$work/src" "$work/built"

# A charm of the given layers with one trivial handler of its own.
make_charm() {
    local name=$1 includes=$2 options=$3 dir="$work/src/$1"
    mkdir -p "$dir/src"
    cat >"$dir/layer.yaml" <<YAML
repo: https://example.invalid/bench/$name
includes: [$includes]
options:
$options
YAML
    cat >"$dir/metadata.yaml" <<YAML
name: $name
summary: benchmark charm
description: A charm of the core layers with nothing to do in update-status.
maintainer: bench <bench@example.invalid>
tags: [misc]
series: [jammy]
YAML
    printf 'bench\n' >"$dir/copyright"
    printf '# %s\n' "$name" >"$dir/README.md"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "bench-$name"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
anyhow = "1"
charms-reactive = { path = "$repo/framework/runtime" }
TOML
    cat >"$dir/src/lib.rs" <<'RUST'
use charms_reactive::prelude::*;

#[when_not("bench.ready")]
fn ready() -> Result<()> {
    status::active("ready")?;
    set_flag("bench.ready");
    Ok(())
}
RUST
}

build() {
    REACTIVE_TARGET_DIR="$target/reactive-build" "$reactive" build -o "$work/built" "$1" >/dev/null 2>"$work/build-$(basename "$1").log" || {
        cat "$work/build-$(basename "$1").log" >&2
        exit 1
    }
}

charms=("$work/built/hello")
build "$repo/charms/hello"
# The same trivial charm without any layer: what the layers add, apart from hello's own work.
make_charm bare "" "  bare: {}"
build "$work/src/bare"
charms+=("$work/built/bare")
make_charm base-only "'layer:base'" "  base: {}"
build "$work/src/base-only"
charms+=("$work/built/base-only")
make_charm base-apt "'layer:base', 'layer:apt'" "  apt: {packages: [hello], version_package: hello}"
build "$work/src/base-apt"
charms+=("$work/built/base-apt")
if [ -f "$repo/layers/leadership/layer.yaml" ] && [ -f "$repo/layers/coordinator/layer.yaml" ]; then
    make_charm four-layers "'layer:base', 'layer:apt', 'layer:leadership', 'layer:coordinator'" \
        "  apt: {packages: [hello], version_package: hello}"
    build "$work/src/four-layers"
    charms+=("$work/built/four-layers")
else
    echo "layers/leadership or layers/coordinator missing: measuring base + apt only" >&2
fi
exec python3 "$repo/bench/layers_bench.py" --work "$work" "$@" "${charms[@]}"
