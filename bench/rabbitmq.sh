#!/usr/bin/env bash
# RabbitMQ benchmark: wall time from `reactive model deploy rabbitmq-server -n 3` to a
# 3-node cluster with every unit active, next to the same done by hand on three machines
# of a model (install the package, write one cookie, start, `join_cluster` twice), both
# sides in the same run, alternating, with a warm package cache. Also the CPU time the
# charm's hooks used and the number of hooks run. Writes BENCHMARKS.md's section.
#
# Usage: sudo bash bench/rabbitmq.sh [--runs N]        (default 3 runs per side)
#
# Needs root (machines). Builds, then takes the machines lock (/tmp/reactive-machines.lock)
# for the measurements, so they never share the host with a machines test.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=${2:?--runs takes a number}; shift 2 ;;
        *) echo "bench/rabbitmq.sh: unknown argument $1 (usage: --runs N)" >&2; exit 2 ;;
    esac
done
case "$runs" in '' | *[!0-9]* | 0) echo "bench/rabbitmq.sh: --runs must be a positive integer" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
    echo "bench/rabbitmq.sh: machines need root" >&2
    exit 1
fi
target="${CARGO_TARGET_DIR:-$repo/target}"
work="$target/bench/rabbitmq"
export REACTIVE_APT_CACHE="${REACTIVE_APT_CACHE:-$target/apt-cache}"
reactive="$target/release/reactive"

# Build first, then take the machines lock (so no one waits on the compiler) and run the
# rest again under it.
if [ -z "${RABBITMQ_BENCH_LOCKED:-}" ]; then
    echo "== building reactive (release) and the charms"
    cargo build --release -q -p charms-reactive-cli -p charms-reactive-model -p charms-reactive-machines \
        --manifest-path "$repo/Cargo.toml"
    rm -rf "$work"
    mkdir -p "$work"
    for charm in rabbitmq-server hello; do
        REACTIVE_TARGET_DIR="$target/reactive-build" "$reactive" build -o "$work/build" "$repo/charms/$charm" \
            >"$work/build-$charm.log" 2>&1 || { cat "$work/build-$charm.log" >&2; exit 1; }
    done
    echo "== waiting for the machines lock (/tmp/reactive-machines.lock)"
    RABBITMQ_BENCH_LOCKED=1 exec flock -o /tmp/reactive-machines.lock bash "$0" --runs "$runs"
fi

model=""
m() { "$reactive" model --model "$model" "$@"; }
cleanup() { if [ -n "$model" ] && [ -e "$model" ]; then m destroy --force >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Fails unless rabbitmqctl on `unit` lists exactly 3 running nodes.
check_cluster() {
    local unit=$1 running
    running=$(m ssh "$unit" -- rabbitmqctl cluster_status --formatter json |
        grep -o '"running_nodes":\[[^]]*\]' | grep -o 'rabbit@' | wc -l)
    if [ "$running" != 3 ]; then
        echo "bench/rabbitmq.sh: $unit sees $running running nodes, not 3" >&2
        m ssh "$unit" -- rabbitmqctl cluster_status >&2 || true
        exit 1
    fi
}

# By hand: three machines (a trivial charm's units, made before the clock starts); on
# each, the package installed without starting its daemon (a policy-rc.d, as an image
# build would), the cookie written, the daemon started; then nodes 1 and 2 join node 0.
raw_run() {
    local i=$1 start end
    model="$work/raw-$i"
    m init --provider machines >/dev/null
    m deploy "$work/build/hello" raw -n 3 >/dev/null 2>&1
    # The cookie: from the OS's randomness, in a file only root reads (the machines see
    # the host's files below their own); never on a command line.
    (umask 077 && head -c 15 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$work/cookie")
    start=$(now)
    for n in 0 1 2; do
        m ssh "raw/$n" -- sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d' >/dev/null
        m ssh "raw/$n" -- apt-get install -y -q rabbitmq-server >"$work/raw-$i-apt-$n.log" 2>&1
        m ssh "raw/$n" -- rm /usr/sbin/policy-rc.d
        m ssh "raw/$n" -- install -o rabbitmq -g rabbitmq -m 0400 "$work/cookie" /var/lib/rabbitmq/.erlang.cookie
        m ssh "raw/$n" -- systemctl start rabbitmq-server
    done
    for n in 1 2; do
        m ssh "raw/$n" -- rabbitmqctl stop_app >/dev/null
        m ssh "raw/$n" -- rabbitmqctl join_cluster rabbit@raw-0 >/dev/null
        m ssh "raw/$n" -- rabbitmqctl start_app >/dev/null
    done
    end=$(now)
    check_cluster raw/0
    raw_times+=("$(elapsed "$start" "$end")")
    m destroy >/dev/null
    rm -f "$work/cookie"
    model=""
}

# With the charm: one command, which returns once every hook has run.
charm_run() {
    local i=$1 start end statuses
    model="$work/charm-$i"
    m init --provider machines >/dev/null
    start=$(now)
    m deploy "$work/build/rabbitmq-server" -n 3 >"$work/charm-$i-deploy.log" 2>&1
    end=$(now)
    statuses=$(m status | awk '/^Unit /{u=1; next} /^$/{u=0} u && $2 == "active"' | wc -l)
    if [ "$statuses" != 3 ]; then
        echo "bench/rabbitmq.sh: not every unit is active after the deploy:" >&2
        m status >&2
        exit 1
    fi
    check_cluster rabbitmq-server/0
    charm_times+=("$(elapsed "$start" "$end")")
    hooks+=("$(grep -c . "$model/hooks.log")")
    # The model's record of each hook's CPU (user + system of the hook's process and
    # what it waited for: hook tools, rabbitmqctl, systemctl; not the daemons, nor the
    # package installs the apt shim hands to the machine's init).
    cpu+=("$(awk '{ split($4, u, "="); split($5, s, "="); t += u[2] + s[2] } END { printf "%.2f", t }' "$model/hook-usage.log")")
    # The last run's records, for a closer look at where the time went.
    cp "$model/hooks.log" "$model/hook-usage.log" "$model/debug.log" "$work/" 2>/dev/null || true
    m destroy >/dev/null
    model=""
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

raw_times=() charm_times=() hooks=() cpu=()
echo "== warming the package cache (not timed)"
raw_run warmup
raw_times=()
for i in $(seq 1 "$runs"); do
    echo "== run $i of $runs: charm"
    charm_run "$i"
    echo "   ${charm_times[-1]} s, ${hooks[-1]} hooks, ${cpu[-1]} s CPU in hooks"
    echo "== run $i of $runs: by hand"
    raw_run "$i"
    echo "   ${raw_times[-1]} s"
done

charm_median=$(median "${charm_times[@]}")
raw_median=$(median "${raw_times[@]}")
ratio=$(awk -v c="$charm_median" -v r="$raw_median" 'BEGIN { printf "%.2f", c / r }')
met=$(awk -v x="$ratio" 'BEGIN { print (x <= 1.5) ? 1 : 0 }')
verdict=$([ "$met" = 1 ] && echo "**met**" || echo "**not met**")
fmt() { printf '%.1f' "$1"; }
list() { local out="" x; for x in "$@"; do out+="${out:+, }$(fmt "$x")"; done; echo "$out"; }

section=$(
    cat <<EOF
Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) CPU(s), $(uname -sr); $runs runs per side, alternating, after one untimed by-hand run that fills the package cache.

Reproduce with \`sudo bash bench/rabbitmq.sh [--runs N]\`. Method: each run makes a fresh model with machines (\`REACTIVE_APT_CACHE\` shared, so no download is timed). **Charm**: the wall time of \`reactive model deploy rabbitmq-server -n 3\`, which makes the three machines and returns once every hook has run; then every unit must be \`active\` and \`rabbitmqctl cluster_status\` must list 3 running nodes. **By hand**: three machines made first (a trivial charm's units, not timed); then, one machine after the other with \`reactive model ssh\`: \`apt-get install -y rabbitmq-server\` with a \`policy-rc.d\` so the package does not start the daemon, the same cookie written to \`/var/lib/rabbitmq/.erlang.cookie\` (0400, rabbitmq), \`systemctl start rabbitmq-server\`; then \`rabbitmqctl stop_app\`, \`join_cluster rabbit@raw-0\`, \`start_app\` on the second and third; checked the same way. Hook CPU: the sum over the model's \`hook-usage.log\` (user + system time of each hook's process and what it waited for: hook tools, \`rabbitmqctl\`, \`systemctl\`; not the daemons, nor the package installs the apt shim hands to each machine's init); hooks run: lines of \`hooks.log\`; medians.

| Side | Median wall s | Runs (s) |
|---|---:|---|
| charm: \`deploy rabbitmq-server -n 3\` | $(fmt "$charm_median") | $(list "${charm_times[@]}") |
| by hand | $(fmt "$raw_median") | $(list "${raw_times[@]}") |

| Charm / by hand (median wall) | Target | | Hooks run (median) | Hook CPU s (median) |
|---:|---:|---|---:|---:|
| ${ratio}× | ≤ 1.5× | $verdict | $(median "${hooks[@]}") | $(median "${cpu[@]}") |
EOF
)
printf '%s\n' "$section"

bench_md="$repo/BENCHMARKS.md"
start_marker='<!-- bench:rabbitmq:start -->'
end_marker='<!-- bench:rabbitmq:end -->'
if ! grep -qF "$start_marker" "$bench_md"; then
    printf '\n## RabbitMQ: a 3-node cluster, charm against by hand\n\n%s\n%s\n' "$start_marker" "$end_marker" >>"$bench_md"
fi
printf '%s\n' "$section" >"$work/section.md"
awk -v start="$start_marker" -v end="$end_marker" -v file="$work/section.md" '
    $0 == start { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }
' "$bench_md" >"$work/BENCHMARKS.md"
cp "$work/BENCHMARKS.md" "$bench_md"
echo "== wrote the section of $bench_md"
