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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reactive", required=True)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = REPO / "target" / "bench" / "model"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run([args.reactive, "build", str(REPO / "bench" / "charms" / "trivial"), "-o", str(work / "build")])
    charm = work / "build" / "trivial"
    rates, hooks_counts, times = [], [], []
    for i in range(args.runs):
        model = work / ("model-%d" % i)
        run([args.reactive, "model", "--model", str(model), "init"])
        t0 = time.perf_counter()
        run([args.reactive, "model", "--model", str(model), "deploy", str(charm), "-n", str(args.units)])
        elapsed = time.perf_counter() - t0
        lines = (model / "hooks.log").read_text().splitlines()
        bad = [l for l in lines if not l.endswith(" ok")]
        if bad:
            sys.exit("hooks failed: %s" % bad[:3])
        hooks_counts.append(len(lines))
        times.append(elapsed)
        rates.append(len(lines) / elapsed)
    med = statistics.median(rates)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    body = "\n".join([
        "Measured %s UTC on %d CPU(s), %s." % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count(), cpu),
        "",
        "Reproduce with `bash bench/model.sh`. Method: `reactive model deploy` of `bench/charms/trivial` "
        "(built with `reactive build`: one handler, a peer relation) at %d units on a fresh local model, "
        "which settles every unit (install, relation-created, leadership, config-changed, start, and a "
        "joined + changed pair per peer); hooks/s = hooks in the hook log / the command's wall time. "
        "Every hook runs the real charm binary, which calls the hook tools as subprocesses." % args.units,
        "",
        "| Units | Hooks per run | Median wall s | Median hooks/s | Target | |",
        "|---:|---:|---:|---:|---:|---|",
        "| %d | %d | %.2f | %.0f | ≥ %.0f | %s |" % (args.units, hooks_counts[0], statistics.median(times), med, TARGET,
                                            "**met**" if med >= TARGET else "**not met**"),
        "",
        "Runs (hooks/s): %s." % ", ".join("%.0f" % r for r in rates),
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
