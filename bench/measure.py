#!/usr/bin/env python3
"""Time one `config-changed` hook of the chain charms, Rust vs Python.

Expects the charms that bench/run.sh generates and builds under target/bench/:
    python-chain-N/            charm dir, hooks/config-changed is a Python script
    rust-chain-N/charm/        charm dir, hooks/config-changed is the Rust binary

Every run starts from an empty unit state so all N handlers fire, and is
verified afterwards (exit code 0, and chain.0 .. chain.{N-1} set in the DB).
Results go to stdout and into BENCHMARKS.md between the dispatch markers.
"""
import argparse
import datetime
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FRAMEWORKS = ("python", "rust")
LABEL = {"python": "Python charms.reactive 1.5.3", "rust": "Rust charms-reactive"}
START = "<!-- bench:dispatch:start -->"
END = "<!-- bench:dispatch:end -->"
HEADING = "## Dispatch: chain charm, one config-changed hook"
SPEEDUP_TARGET = 50.0  # python median / rust median, at every N
RSS_TARGET_MIB = 8.0  # Rust peak RSS, worst run, at every N
# Built by bench/run.sh from bench/spawn_rss.rs.
LAUNCHER = REPO / "target" / "bench" / "spawn_rss"


class BenchError(SystemExit):
    def __init__(self, msg):
        super().__init__("measure.py: error: " + msg)


class Case:
    def __init__(self, framework, n, bench_dir):
        self.framework, self.n = framework, n
        if framework == "python":
            self.charm = bench_dir / ("python-chain-%d" % n)
        else:
            self.charm = bench_dir / ("rust-chain-%d" % n) / "charm"
        self.hook = self.charm / "hooks" / "config-changed"
        self.fake = bench_dir / "fake-juju" / ("%s-%d" % (framework, n))
        # A copy under target/, so the __pycache__ Python writes stays out of the source tree.
        self.site = bench_dir / "python-site"
        self.times_ms, self.rss_kib, self.tool_calls = [], [], []

    def env(self):
        # Built from scratch: nothing from the caller's environment leaks in
        # (notably PYTHONDONTWRITEBYTECODE, so Python caches bytecode as on a unit).
        env = {
            "PATH": "%s:/usr/bin:/bin" % (BENCH / "fake-hook-tools"),
            "CHARM_DIR": str(self.charm),
            "JUJU_CHARM_DIR": str(self.charm),
            "JUJU_UNIT_NAME": "chain/0",
            "JUJU_HOOK_NAME": "config-changed",
            "JUJU_DISPATCH_PATH": "hooks/config-changed",
            "JUJU_MODEL_NAME": "bench",
            "JUJU_CONTEXT_ID": "chain/0-config-changed-1",
            "FAKE_JUJU_DIR": str(self.fake),
            "LANG": "C.UTF-8",
        }
        if self.framework == "python":
            env["PYTHONPATH"] = str(self.site)  # sitecustomize platform patch
        return env

    def prepare(self):
        if not os.access(self.hook, os.X_OK):
            raise BenchError("%s is missing or not executable; run `bash bench/run.sh`" % self.hook)
        self.fake.mkdir(parents=True, exist_ok=True)
        (self.fake / "config.json").write_text('{"greeting": "hello"}\n')
        if self.framework == "python":
            src = (BENCH / "python-site" / "sitecustomize.py").read_text()
            dst = self.site / "sitecustomize.py"
            if not dst.exists() or dst.read_text() != src:
                self.site.mkdir(parents=True, exist_ok=True)
                dst.write_text(src)

    def reset_state(self):
        # Fresh unit: no flags, so every handler fires. Compiled bytecode
        # (__pycache__) is kept on purpose, like on a real unit.
        for p in self.charm.glob(".unit-state.db*"):
            p.unlink()
        for p in (self.charm / ".juju-persistent-config",
                  self.fake / "juju-log.txt", self.fake / "calls.txt"):
            if p.exists():
                p.unlink()

    def run_once(self, env):
        self.reset_state()
        out_path, err_path = self.fake / "stdout.txt", self.fake / "stderr.txt"
        # The launcher times spawn-to-exit and reads the hook's own peak RSS (see
        # bench/spawn_rss.rs for why not from here); the hook's output goes to files.
        with open(err_path, "wb") as err:
            res = subprocess.run([str(LAUNCHER), str(self.hook)], cwd=self.charm, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        if res.returncode != 0:
            self.fail("launcher failed with %d" % res.returncode, err_path)
        # The hook's stdout is the launcher's too; the launcher's line is the last one.
        last = res.stdout.decode(errors="replace").strip().splitlines()[-1]
        out_path.write_bytes(res.stdout)
        ns, maxrss_kib, code = (int(x) for x in last.split())
        elapsed_ms = ns / 1e6
        usage = type("Usage", (), {"ru_maxrss": maxrss_kib})
        if code != 0:
            self.fail("exited with %d" % code, err_path)
        self.verify(err_path)
        calls = self.fake / "calls.txt"
        n_calls = len(calls.read_text().splitlines()) if calls.exists() else 0
        return elapsed_ms, usage.ru_maxrss, n_calls  # ru_maxrss is KiB on Linux

    def verify(self, err_path):
        db = self.charm / ".unit-state.db"
        if not db.exists():
            self.fail("no %s after the hook" % db, err_path)
        want = ["reactive.states.chain.%d" % i for i in range(self.n)]
        conn = sqlite3.connect(db.as_uri() + "?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(want))
            have = {k for (k,) in conn.execute(
                "SELECT key FROM kv WHERE key IN (%s)" % marks, want)}
        finally:
            conn.close()
        missing = [k for k in want if k not in have]
        if missing:
            self.fail("DB lacks %d of %d chain flags (first missing: %s, last wanted: %s)"
                      % (len(missing), self.n, missing[0], want[-1]), err_path)

    def fail(self, why, err_path):
        tail = err_path.read_text(errors="replace").splitlines()[-40:] if err_path.exists() else []
        raise BenchError("%s N=%d: %s\n--- stderr (last 40 lines) ---\n%s"
                         % (self.framework, self.n, why, "\n".join(tail)))

    def measure(self, runs, warmup):
        self.prepare()
        env = self.env()
        for _ in range(warmup):
            self.run_once(env)
        for _ in range(runs):
            ms, kib, calls = self.run_once(env)
            self.times_ms.append(ms)
            self.rss_kib.append(kib)
            self.tool_calls.append(calls)
        print("%-6s N=%-4d median %8.1f ms  peak RSS %6.1f MiB  (%d runs)"
              % (self.framework, self.n, statistics.median(self.times_ms),
                 statistics.median(self.rss_kib) / 1024, runs), file=sys.stderr)


def pct(values, p):
    """p-th percentile (inclusive method); falls back gracefully for tiny samples."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(argv):
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (res.stdout or res.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def interpreter_of(hook):
    with open(hook, "rb") as f:
        first = f.readline().decode(errors="replace")
    return first[2:].strip().split()[0] if first.startswith("#!") else None


def verdict(ok):
    return "**met**" if ok else "**not met**"


def report(cases, ns, runs, warmup):
    by = {(c.framework, c.n): c for c in cases}
    measured = {c.framework for c in cases}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    versions = []
    py = by.get(("python", ns[0]))
    if py:
        interp = interpreter_of(py.hook)
        if interp:
            versions.append(tool_version([interp, "--version"]))
    rs = by.get(("rust", ns[0]))
    if rs:
        versions.append(tool_version(["rustc", "--version"]))

    L = []
    L.append("Measured %s on %d CPU(s), %s, Linux %s%s. %d timed runs per row after %d warm-up runs."
             % (now, nproc, cpu_model(), platform.release(),
                (" (" + "; ".join(versions) + ")") if versions else "", runs, warmup))
    L.append("")
    L.append("Reproduce with `bash bench/run.sh` (extra options go to `bench/measure.py`, "
             "e.g. `--runs 50`). Method: [bench/README.md](bench/README.md).")
    L.append("")
    L.append("| Framework | N | median ms | p10 ms | p90 ms | median peak RSS MiB | hook-tool calls |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for n in ns:
        for fw in FRAMEWORKS:
            c = by.get((fw, n))
            if c is None:
                L.append("| %s | %d | not measured | | | | |" % (LABEL[fw], n))
                continue
            L.append("| %s | %d | %.1f | %.1f | %.1f | %.1f | %d |" % (
                LABEL[fw], n, statistics.median(c.times_ms), pct(c.times_ms, 10),
                pct(c.times_ms, 90), statistics.median(c.rss_kib) / 1024,
                statistics.median(c.tool_calls)))
    L.append("")

    # Targets are evaluated from the numbers above, never assumed.
    L.append("| N | Python / Rust (median time) | ≥ %g× faster | Rust worst-run peak RSS MiB | ≤ %g MiB |"
             % (SPEEDUP_TARGET, RSS_TARGET_MIB))
    L.append("|---:|---:|---|---:|---|")
    speed_ok, rss_ok = [], []
    for n in ns:
        p, r = by.get(("python", n)), by.get(("rust", n))
        if p and r:
            ratio = statistics.median(p.times_ms) / statistics.median(r.times_ms)
            speed_ok.append(ratio >= SPEEDUP_TARGET)
            ratio_s, speed_s = "%.1f×" % ratio, verdict(speed_ok[-1])
        else:
            speed_ok.append(None)
            ratio_s, speed_s = "n/a", "not measured"
        if r:
            worst = max(r.rss_kib) / 1024
            rss_ok.append(worst <= RSS_TARGET_MIB)
            rss_s, rss_v = "%.1f" % worst, verdict(rss_ok[-1])
        else:
            rss_ok.append(None)
            rss_s, rss_v = "n/a", "not measured"
        L.append("| %d | %s | %s | %s | %s |" % (n, ratio_s, speed_s, rss_s, rss_v))
    L.append("")

    def overall(oks):
        if any(ok is None for ok in oks):
            return "not evaluated (needs both frameworks measured)" if oks is speed_ok \
                else "not evaluated (Rust not measured)"
        return verdict(all(oks))

    L.append("Targets: Rust ≥ %g× faster than Python at every N: %s. "
             "Rust peak RSS ≤ %g MiB at every N: %s."
             % (SPEEDUP_TARGET, overall(speed_ok), RSS_TARGET_MIB, overall(rss_ok)))
    if measured != set(FRAMEWORKS):
        L.append("")
        L.append("This run measured only: %s." % ", ".join(sorted(measured)))
    L.append("")
    L.append("Notes:")
    L.append("")
    L.append("* Both frameworks run the same chain (handler 0 `when_not('chain.0')`, handler i "
             "`when('chain.{i-1}')`, each sets the next flag) from an empty unit state, so all N "
             "handlers fire, one per dispatch iteration; every run is checked for exit code 0 and "
             "for all N flags in `.unit-state.db`.")
    L.append("* Both use the same fake hook tools (`bench/fake-hook-tools`, POSIX `sh` scripts); "
             "\"hook-tool calls\" is how many of them one hook ran (mostly `juju-log`).")
    L.append("* The Python charm has no layer-basic (no venv bootstrap, no `config.*` flags), "
             "which flatters Python slightly; bytecode caching is on, as on a real unit.")
    L.append("* Each hook is started by a small launcher (`bench/spawn_rss.rs`) that times spawn to "
             "exit and reads `ru_maxrss` from `wait4`: the hook's own peak RSS (Linux folds in its "
             "reaped children, the hook tools, which are smaller). Started from the Python driver "
             "instead, a hook would report the driver's ~15 MiB pre-exec high-water mark. "
             "MiB = 2^20 bytes.")
    if rs and rs.hook.exists():
        L.append("* Rust hook binary (N=%d): %.2f MiB, release profile with LTO, stripped."
                 % (rs.n, rs.hook.stat().st_size / 2**20))
    return "\n".join(L) + "\n"


def write_section(path, body):
    block = "%s\n%s%s" % (START, body, END)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            text = head + block + tail
        else:
            text = text.rstrip("\n") + "\n\n%s\n\n%s\n" % (HEADING, block)
    else:
        text = "# Benchmarks\n\n%s\n\n%s\n" % (HEADING, block)
    path.write_text(text, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description="Chain-charm dispatch benchmark (see bench/README.md).")
    ap.add_argument("--runs", type=int, default=30, help="timed runs per case (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs per case first (default 3)")
    ap.add_argument("--only", choices=FRAMEWORKS, help="measure one framework only")
    ap.add_argument("--ns", default="10,100", help="comma-separated chain lengths (default 10,100)")
    ap.add_argument("--bench-dir", type=Path, default=REPO / "target" / "bench")
    ap.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md",
                    help="markdown file whose dispatch section is rewritten")
    ap.add_argument("--no-write", action="store_true", help="print the section, leave the file")
    args = ap.parse_args()
    if args.runs < 1 or args.warmup < 0:
        ap.error("--runs must be >= 1 and --warmup >= 0")
    ns = [int(x) for x in args.ns.split(",") if x.strip()]
    frameworks = [args.only] if args.only else list(FRAMEWORKS)

    cases = [Case(fw, n, args.bench_dir.resolve()) for n in ns for fw in frameworks]
    for c in cases:
        c.prepare()  # fail fast, before minutes of measuring
    for c in cases:
        c.measure(args.runs, args.warmup)

    body = report(cases, ns, args.runs, args.warmup)
    print(body)
    if not args.no_write:
        write_section(args.output, body)
        print("updated %s" % args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
