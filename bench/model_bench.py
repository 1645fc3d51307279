"""Times `reactive model deploy -n 20` of a trivial built charm (see bench/model.sh).

Each run uses a fresh model; hooks/s = hooks in the hook log / wall time of the deploy
command (which settles the model). Rewrites BENCHMARKS.md's model section.
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:model:start -->", "<!-- bench:model:end -->"
HEADING = "## Local model: hooks per second"
TARGET = 300.0


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if res.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(map(str, cmd)), res.stderr[-3000:]))
    return res


def measure(reactive, charm, work, units, jobs, runs, tool):
    """Deploys `charm` at `units` units `runs` times on fresh models, with hook-tool binary
    `tool`; returns (hooks, wall times)."""
    hooks_counts, times = [], []
    env = dict(os.environ, REACTIVE_HOOK_TOOL=str(tool))
    for i in range(runs):
        model = work / ("model-j%d-%d" % (jobs, i))
        run([reactive, "model", "--model", str(model), "init", "--jobs", str(jobs)], env=env)
        t0 = time.perf_counter()
        run([reactive, "model", "--model", str(model), "deploy", str(charm), "-n", str(units)], env=env)
        elapsed = time.perf_counter() - t0
        lines = (model / "hooks.log").read_text().splitlines()
        bad = [l for l in lines if not l.endswith(" ok")]
        if bad:
            sys.exit("hooks failed: %s" % bad[:3])
        hooks_counts.append(len(lines))
        times.append(elapsed)
        shutil.rmtree(model, ignore_errors=True)
    return hooks_counts, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reactive", required=True)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--musl-tool", required=True, help="static musl build of reactive-hook-tool")
    ap.add_argument("--glibc-tool", required=True, help="the glibc build beside reactive")
    args = ap.parse_args()
    work = REPO / "target" / "bench" / "model"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run([args.reactive, "build", str(REPO / "bench" / "charms" / "trivial"), "-o", str(work / "build")])
    charm = work / "build" / "trivial"
    rows, all_rates = [], []
    # (jobs, tool label, tool path); the first row is what `reactive model` uses by default
    # once the musl tool is built.
    variants = [(8, "musl (static)", args.musl_tool), (8, "glibc", args.glibc_tool),
                (1, "musl (static)", args.musl_tool)]
    for jobs, label, tool in variants:
        hooks, times = measure(args.reactive, charm, work, args.units, jobs, args.runs, tool)
        rates = [h / t for h, t in zip(hooks, times)]
        med = statistics.median(rates)
        rows.append("| %d | %d | %s | %d | %.2f | %.0f | ≥ %.0f | %s |" % (
            args.units, jobs, label, hooks[0], statistics.median(times), med, TARGET,
            "**met**" if med >= TARGET else "**not met**"))
        all_rates.append("jobs %d, %s: %s" % (jobs, label, ", ".join("%.0f" % r for r in rates)))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    body = "\n".join([
        "Measured %s UTC on %d CPU(s), %s." % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count(), cpu),
        "",
        "Reproduce with `bash bench/model.sh`. Method: `reactive model deploy` of `bench/charms/trivial` "
        "(built with `reactive build`: one handler, a peer relation) at %d units on a fresh local model, "
        "which settles every unit (install, relation-created, leadership, config-changed, start, and a "
        "joined + changed pair per peer); hooks/s = hooks in the hook log / the command's wall time, "
        "median of %d runs per row. Every hook runs the real charm binary, which calls the hook tools as "
        "subprocesses; the tools talk to the model over the unit agent's socket. `jobs` is "
        "`reactive model init --jobs` (hooks of different units running at once; 8 is the default). "
        "The hook-tool binary is the static musl build `bench/model.sh` makes (and `reactive model` "
        "prefers when it exists), or the glibc build beside `reactive`."
        % (args.units, args.runs),
        "",
        "| Units | Jobs | Hook-tool binary | Hooks per run | Median wall s | Median hooks/s | Target | |",
        "|---:|---:|---|---:|---:|---:|---:|---|",
    ] + rows + [
        "",
        "Runs (hooks/s): %s." % "; ".join(all_rates),
    ]) + "\n"
    bench_md = REPO / "BENCHMARKS.md"
    text = bench_md.read_text()
    if START in text and END in text:
        pre, rest = text.split(START, 1)
        text = pre + START + "\n" + body + END + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n%s\n\n%s\n%s%s\n" % (HEADING, START, body, END)
    bench_md.write_text(text)
    print(body)


if __name__ == "__main__":
    main()
