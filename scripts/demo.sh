#!/usr/bin/env bash
# The main job: build the rabbitmq-server and amqp-client charms, deploy a 3-node RabbitMQ
# cluster and one client on a fresh local model with machines, relate them, and end with
# the status table and a message round-tripped by the client. One line per unit state
# change while the model settles. Everything lives under target/demo/ (recreated on
# every run); packages are downloaded once into target/apt-cache.
#
# Machines need root. Without it, the hello charm's demo runs on the local provider.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
demo=$root/target/demo
model=$demo/model

step() { printf '\n== %s\n' "$*"; }

step "building reactive (release)"
cargo build --release -q -p charms-reactive-cli -p charms-reactive-model -p charms-reactive-machines
reactive=$root/target/release/reactive
m() { "$reactive" model --model "$model" "$@"; }

# A model left by an earlier run: end its machines before removing its folder.
if [ -e "$model" ]; then
    m destroy --force >/dev/null 2>&1 || true
fi
rm -rf "$demo"

if [ "$(id -u)" != 0 ]; then
    echo "Machines are made of Linux namespaces and need root: running the hello demo on the local provider instead (sudo bash scripts/demo.sh for the RabbitMQ cluster)."
    "$reactive" build charms/hello -o "$demo/build"
    m init
    m deploy "$demo/build/hello" -n 3
    m status
    exit 0
fi

export REACTIVE_APT_CACHE=${REACTIVE_APT_CACHE:-$root/target/apt-cache}

step "building the charms"
"$reactive" build charms/rabbitmq-server -o "$demo/build"
"$reactive" build charms/amqp-client -o "$demo/build"

# One line per unit whose row of `reactive model status` changed (workload, agent,
# message), polled while the commands below run: the model saves its state after each
# round of hooks, and status reads it without waiting for the model's lock. It polls
# once more after $stop appears, then ends.
stop=$demo/watch.stop
watch_units() {
    local start=$SECONDS previous="" current last=""
    while [ -z "$last" ]; do
        [ -e "$stop" ] && last=1
        current=$(m status 2>/dev/null | awk '/^Unit /{units=1; next} /^$/{units=0} units' || true)
        if [ -n "$current" ] && [ "$current" != "$previous" ]; then
            # Only the rows that differ from the last poll.
            comm -13 <(printf '%s\n' "$previous" | sort) <(printf '%s\n' "$current" | sort) |
                while IFS= read -r row; do
                    printf '[%4ss] %s\n' "$((SECONDS - start))" "$(echo "$row" | tr -s ' ')"
                done
            previous=$current
        fi
        [ -n "$last" ] || sleep 0.5
    done
}

step "a model with machines"
m init --provider machines
watch_units &
watcher=$!
trap 'kill "$watcher" 2>/dev/null || true' EXIT

step "deploying 3 rabbitmq-server units and 1 amqp-client (each command returns once its hooks have run)"
m deploy "$demo/build/rabbitmq-server" -n 3
m deploy "$demo/build/amqp-client"
step "relating amqp-client to rabbitmq-server"
m relate amqp-client rabbitmq-server

touch "$stop"
wait "$watcher" 2>/dev/null || true

step "status"
m status
step "the client's round trip: reactive model run amqp-client/0 send text=hello"
m run amqp-client/0 send text=hello
printf '\nThe model stays in %s: try `%s model --model %s ssh rabbitmq-server/0 -- rabbitmqctl cluster_status`; `… destroy` removes it.\n' \
    "$model" "$reactive" "$model"
