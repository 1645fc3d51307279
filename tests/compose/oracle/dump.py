"""Summarise a charm built by charm-tools' `charm-build` as JSON (oracle.json).

Run with the charm-tools venv's python (it needs PyYAML, a charm-tools
dependency). Called by charmtools-build.sh; see tests/compose/README.md for the
meaning of every key.
"""
import argparse
import json
import os
import re
import stat
import sys

import yaml

# Paths left out of "files" (and "executables"/"empty_dirs"):
#   .build.manifest  - charm-tools' own manifest; summarised under "manifest"
#   oracle.json      - this file
#   .git/            - VCS data, never part of a build
#   wheelhouse/      - sdists/wheels downloaded by pip (only with wheelhouse.txt)
#   .venv/, venv/    - virtualenvs a developer may leave around
#   __pycache__/, *.pyc - bytecode
NOISE_DIRS = {".git", "wheelhouse", ".venv", "venv", "__pycache__"}
NOISE_FILES = {".build.manifest", "oracle.json"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\([A-Za-z]")
PROOF_LINE = re.compile(r"^proof: ((?:[IWE]|FATAL):.*)$")


def load_yaml(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def read_text(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def walk(root):
    files, executables, empty_dirs = [], [], []
    if not os.path.isdir(root):
        return files, executables, empty_dirs
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in NOISE_DIRS)
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir
        kept = []
        for name in filenames:
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if rel in NOISE_FILES or name.endswith(".pyc"):
                continue
            kept.append(rel)
            mode = os.lstat(os.path.join(dirpath, name)).st_mode
            if mode & stat.S_IXUSR:
                executables.append(rel)
        files.extend(kept)
        if rel_dir and not filenames and not dirnames:
            empty_dirs.append(rel_dir)
    return sorted(files), sorted(executables), sorted(empty_dirs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--charm", required=True)
    ap.add_argument("--charm-name", required=True)
    ap.add_argument("--exit-code", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tail", type=int, default=40)
    ap.add_argument("--output", required=True)
    a = ap.parse_args()

    root = a.charm
    with open(a.log, encoding="utf-8", errors="replace") as f:
        log_lines = [ANSI.sub("", line.rstrip("\n")) for line in f]

    layer_yaml = load_yaml(os.path.join(root, "layer.yaml"))
    manifest = None
    mpath = os.path.join(root, ".build.manifest")
    if os.path.isfile(mpath):
        with open(mpath, encoding="utf-8") as f:
            manifest = json.load(f)

    files, executables, empty_dirs = walk(root)
    raw = {}
    for name in ("metadata.yaml", "config.yaml", "actions.yaml", "layer.yaml"):
        text = read_text(os.path.join(root, name))
        if text is not None:
            raw[name] = text

    out = {
        "charm_tools_version": "3.0.9",
        "charm_name": a.charm_name,
        "exit_code": a.exit_code,
        "metadata": load_yaml(os.path.join(root, "metadata.yaml")),
        "config": load_yaml(os.path.join(root, "config.yaml")),
        "actions": load_yaml(os.path.join(root, "actions.yaml")),
        "layer_options": (layer_yaml or {}).get("options"),
        "layer_yaml": layer_yaml,
        "files": files,
        "executables": executables,
        "empty_dirs": empty_dirs,
        "manifest": manifest,
        "raw_yaml": raw,
        "proof": [m.group(1) for m in map(PROOF_LINE.match, log_lines) if m],
        "stderr_tail": log_lines[-a.tail:] if a.tail > 0 else [],
        "log": log_lines,
    }
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
