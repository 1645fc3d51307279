"""Times `reactive build` (see bench/build.sh) and rewrites BENCHMARKS.md's build section.

The fixture is copied to target/bench/build/ at the same depth as in the repository, so
its crates' relative paths to the runtime still resolve, and the handler edits touch
only the copy. The cold build uses an empty cargo target directory of its own.
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
START, END = "<!-- bench:build:start -->", "<!-- bench:build:end -->"
HEADING = "## Build: `reactive build` of a two-crate charm"
NOOP_TARGET_S, EDIT_TARGET_S, SIZE_TARGET_MIB = 1.0, 10.0, 5.0


def build(reactive, top, out, env):
    t0 = time.perf_counter()
    res = subprocess.run([reactive, "build", str(top), "-o", str(out)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit("reactive build failed:\n" + res.stderr[-3000:])
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reactive", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    work = REPO / "target" / "bench" / "build"
    shutil.rmtree(work, ignore_errors=True)
    src = REPO / "tests" / "build" / "rules" / "crate-charm"
    fixture = work / "crate-charm"
    shutil.copytree(src, fixture)
    top, out = fixture / "top", work / "out"
    env = dict(os.environ,
               CHARM_LAYERS_DIR=str(fixture / "layers"),
               REACTIVE_TARGET_DIR=str(work / "cargo-target"))

    cold = build(args.reactive, top, out, env)
    noop = [build(args.reactive, top, out, env) for _ in range(args.runs)]
    handler = top / "src" / "lib.rs"
    original = handler.read_text()
    edits = []
    for i in range(args.runs):
        # A real code change (a new constant the handler uses), not just a new mtime.
        anchor = 'set_flag_value("order.charm", before.into());'
        if anchor not in original:
            sys.exit("the fixture handler changed: %s no longer holds %r" % (handler, anchor))
        handler.write_text(original.replace(anchor, 'set_flag_value("order.charm", (before + %d - %d).into());' % (i, i)))
        edits.append(build(args.reactive, top, out, env))
    binary = out / "crate-charm" / "dispatch"
    size_mib = binary.stat().st_size / 2**20

    def verdict(ok):
        return "**met**" if ok else "**not met**"

    noop_med, edit_med = statistics.median(noop), statistics.median(edits)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    lines = [
        "Measured %s UTC on %d CPU(s), %s; %d runs each for the rebuilds."
        % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count(), cpu, args.runs),
        "",
        "Reproduce with `bash bench/build.sh`. Method: the fixture `tests/compose/rules/crate-charm` (a base "
        "layer crate and the charm's crate, one handler each) is copied under `target/bench/build/`; the "
        "cold build starts from an empty cargo target directory (the crates.io sources already "
        "downloaded); the edit rebuilds change one line of the charm's handler each time.",
        "",
        "| Measurement | Result | Target | |",
        "|---|---:|---:|---|",
        "| cold build | %.1f s | — | |" % cold,
        "| no-op rebuild (median) | %.2f s | ≤ %.0f s | %s |" % (noop_med, NOOP_TARGET_S, verdict(noop_med <= NOOP_TARGET_S)),
        "| rebuild after editing one handler (median) | %.2f s | ≤ %.0f s | %s |" % (edit_med, EDIT_TARGET_S, verdict(edit_med <= EDIT_TARGET_S)),
        "| stripped charm binary (`dispatch`) | %.2f MiB | ≤ %.0f MiB | %s |" % (size_mib, SIZE_TARGET_MIB, verdict(size_mib <= SIZE_TARGET_MIB)),
        "",
        "No-op rebuild runs (s): %s. Edit rebuild runs (s): %s." % (
            ", ".join("%.2f" % x for x in noop), ", ".join("%.2f" % x for x in edits)),
        "",
        "The charm binary is built with `opt-level = \"s\"` (smaller, so fewer pages to fault in at each hook start), `codegen-units = 16`, `incremental = true`, "
        "`strip = true` and no LTO: LTO would shrink it a little but makes every rebuild relink the "
        "whole program slowly.",
    ]
    body = "\n".join(lines) + "\n"
    bench_md = REPO / "BENCHMARKS.md"
    text = bench_md.read_text() if bench_md.exists() else "# Benchmarks\n"
    section = "%s\n\n%s\n%s%s\n" % (HEADING, START, body, END)
    if START in text and END in text:
        pre, rest = text.split(START, 1)
        post = rest.split(END, 1)[1]
        text = pre + START + "\n" + body + END + post
    else:
        text = text.rstrip("\n") + "\n\n" + section
    bench_md.write_text(text)
    print(body)


if __name__ == "__main__":
    main()
