#!/usr/bin/env python3
"""Time quiet update-status hooks of built charms (see bench/layers.sh for the method)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
# Stand-ins for the programs the apt layer and service control run: record, succeed.
PROGRAMS = {
    "apt-get": "exit 0",
    "apt-mark": "exit 0",
    "add-apt-repository": "exit 0",
    "systemctl": "exit 0",
    "journalctl": "exit 0",
    # dpkg-query --show --showformat=FMT PKG...: every package installed, version 2.10-3.
    "dpkg-query": r"""fmt=; for a in "$@"; do case "$a" in --showformat=*) fmt=${a#--showformat=};; -*) ;; *)
  printf "$(printf '%s' "$fmt" | sed "s/\${Package}/$a/; s/\${Status}/install ok installed/; s/\${Version}/2.10-3/")";;
esac; done""",
}
WARM_UP = ["install", "leader-elected", "config-changed", "start",
           "update-status", "update-status", "update-status"]


def fake_bin(work):
    d = work / "fake-bin"
    d.mkdir(parents=True, exist_ok=True)
    for name, body in PROGRAMS.items():
        p = d / name
        p.write_text('#!/bin/sh\necho "%s" >>"${FAKE_JUJU_DIR:?}/calls.txt"\n%s\n' % (name, body))
        p.chmod(0o755)
    return d


def config_json(charm):
    text = (charm / "config.yaml").read_text() if (charm / "config.yaml").exists() else "{}"
    options = (yaml.safe_load(text) or {}).get("options") or {}
    return {k: v.get("default") for k, v in options.items()}


def run_hook(charm, fake, bin_dir, hook):
    env = {
        "PATH": "%s:%s:/usr/bin:/bin" % (bin_dir, BENCH / "fake-hook-tools"),
        "CHARM_DIR": str(charm), "JUJU_CHARM_DIR": str(charm),
        "JUJU_UNIT_NAME": charm.name + "/0", "JUJU_HOOK_NAME": hook,
        "JUJU_DISPATCH_PATH": "hooks/" + hook, "JUJU_MODEL_NAME": "bench",
        "JUJU_CONTEXT_ID": "bench-1", "FAKE_JUJU_DIR": str(fake), "LANG": "C.UTF-8",
    }
    calls = fake / "calls.txt"
    calls.write_text("")
    start = time.perf_counter()
    p = subprocess.run([str(charm / "dispatch")], cwd=charm, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if p.returncode != 0:
        sys.exit("%s %s failed: %s" % (charm.name, hook, p.stderr.decode(errors="replace")))
    return elapsed, calls.read_text().split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("charms", nargs="+", type=Path)
    args = ap.parse_args()
    bin_dir = fake_bin(args.work)
    rows, states = [], []
    for built in args.charms:
        charm = args.work / "run" / built.name
        shutil.rmtree(charm, ignore_errors=True)
        shutil.copytree(built, charm, symlinks=True)
        fake = args.work / "fake-juju" / built.name
        shutil.rmtree(fake, ignore_errors=True)
        fake.mkdir(parents=True)
        (fake / "config.json").write_text(json.dumps(config_json(charm)))
        for hook in WARM_UP:
            run_hook(charm, fake, bin_dir, hook)
        states.append((built.name, charm, fake, [], [], []))
    # Round-robin, so a burst of load on the machine hits every charm alike.
    for _ in range(args.runs):
        for _, charm, fake, times, tools, others in states:
            ms, calls = run_hook(charm, fake, bin_dir, "update-status")
            times.append(ms)
            tools.append([c for c in calls if c not in PROGRAMS])
            others.append(sorted(c for c in calls if c in PROGRAMS))
    for name, _, _, times, tools, others in states:
        q = statistics.quantiles(times, n=10)
        rows.append((name, statistics.median(times), q[0], q[-1],
                     statistics.median(len(t) for t in tools), tools[-1], others[-1]))
    print("| charm | median ms | p10 ms | p90 ms | hook-tool processes per hook | which | other programs per hook |")
    print("|---|---|---|---|---|---|---|")
    for name, med, p10, p90, tools, which, others in rows:
        print("| %s | %.2f | %.2f | %.2f | %g | %s | %s |" % (
            name, med, p10, p90, tools, ", ".join(which), ", ".join(others) or "none"))
    by_name = {r[0]: r for r in rows}
    for base_name in ("hello", "bare"):
        base = by_name.get(base_name)
        for name, med, _, _, tools, _, _ in rows:
            if base is None or name in ("hello", "bare"):
                continue
            print("%s vs %s: %+.2f ms, %+g hook-tool processes (target: at most +2 ms, +2 processes)"
                  % (name, base_name, med - base[1], tools - base[4]))


if __name__ == "__main__":
    main()
