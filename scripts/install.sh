#!/usr/bin/env bash
# Installs every binary the `reactive` command needs, side by side in one directory:
#   reactive            the CLI (build, proof, layers, model …)
#   reactive-hook-tool  the hook tools (config-get, relation-set, …) the local model links
#   reactive-machine    the helper of the `machines` provider (init, enter, services, apt)
# Usage: bash scripts/install.sh [--root DIR]   (default DIR: ~/.cargo, binaries in DIR/bin)
# Compiles into this checkout's target/ directory, so a later build reuses the work.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${CARGO_HOME:-$HOME/.cargo}"
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="${2:?--root needs a directory}"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (usage: install.sh [--root DIR])" >&2; exit 2 ;;
    esac
done
target="${CARGO_TARGET_DIR:-$repo/target}"
for crate in framework/cli framework/model framework/machines; do
    echo "==> cargo install $crate into $root/bin"
    cargo install --locked --force --quiet --path "$repo/$crate" --root "$root" --target-dir "$target"
done
echo "Installed reactive, reactive-hook-tool and reactive-machine in $root/bin"
case ":$PATH:" in
    *":$root/bin:"*) ;;
    *) echo "Add $root/bin to your PATH to run \`reactive\`." ;;
esac
