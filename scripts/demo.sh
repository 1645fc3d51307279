#!/usr/bin/env bash
# The main job: build the hello charm and deploy 3 units on a fresh local model, then
# show the status. Everything lives under target/demo/ (recreated on every run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q -p charms-reactive-cli
reactive=target/release/reactive
rm -rf target/demo
"$reactive" build charms/hello -o target/demo/build
"$reactive" model --model target/demo/model init
"$reactive" model --model target/demo/model deploy target/demo/build/hello -n 3
"$reactive" model --model target/demo/model status
