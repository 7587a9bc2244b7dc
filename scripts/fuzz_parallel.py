#!/usr/bin/env python3
"""Runs the libFuzzer targets toward FUZZ_RUNS_LONG executions each on a machine
with many cores, within a time box (what `make fuzz-long` does one process per
target, spread over --workers processes).

Each target's executions are split into chunks of --chunk runs; a chunk is one
libFuzzer process (`-runs=<chunk> -seed=<n>`, the Makefile's FUZZ_FLAGS, a
per-process -max_total_time ending at the deadline). All chunks of a target
share its corpus directory (new units are written there; a chunk started later
loads what earlier ones found). --workers chunks run at once: first one chunk
of every target, then, whenever a worker is free, the next chunk of the first
target (in --target order: cheapest first) that still has chunks to start, so
the cheap targets finish their --runs and the rest get the remaining cores.

Executions of a target = the sum over its chunks of libFuzzer's final
`stat::number_of_executed_units` (the seed-corpus replay each chunk starts with
included), or, for a chunk stopped at the deadline without final stats, of the
executions in its last status line. cov/ft are from one more libFuzzer run per
target with -runs=0 over the final corpus and the seeds (replay only, not counted).
Crashes: any chunk exiting non-zero, any file in the artifact directory, or any
"ERROR: AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer" line in a log.

Usage: fuzz_parallel.py --bin DIR --out DIR --seconds S --workers N
         --target NAME[:SEEDDIR[,SEEDDIR...]] ... [--runs 10000000] [--chunk 1000000]
         [--launcher "ld.so --library-path lib"]
Writes OUT/logs/<name>.<k>.log, OUT/corpus/<name>/, OUT/artifacts/<name>/ and
OUT/summary.json / OUT/summary.md.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

FUZZ_FLAGS = ["-rss_limit_mb=2048", "-malloc_limit_mb=512", "-max_len=65536"]
STATUS = re.compile(r"^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+)(?: corp: (\d+))?.*?(?:exec/s: (\d+))?", re.M)
FINAL = re.compile(r"stat::number_of_executed_units: (\d+)")
ERRORS = re.compile(r"ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|libFuzzer)|runtime error:")


def parse_log(path):
    with open(path, errors="replace") as f:
        text = f.read()
    final = FINAL.findall(text)
    status = STATUS.findall(text)
    execs = int(final[-1]) if final else (int(status[-1][0]) if status else 0)
    return {"execs": execs, "final_stats": bool(final), "errors": len(ERRORS.findall(text)),
            "last_status": status[-1] if status else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="folder holding <name>_fuzz binaries")
    ap.add_argument("--out", required=True, help="output folder (logs, corpus, artifacts, summary)")
    ap.add_argument("--seconds", type=float, required=True, help="time box for all chunks")
    ap.add_argument("--workers", type=int, required=True, help="chunks run at once")
    ap.add_argument("--target", action="append", required=True,
                    help="NAME[:SEEDDIR,...], cheapest first (order decides who gets free workers)")
    ap.add_argument("--runs", type=int, default=10_000_000, help="executions wanted per target")
    ap.add_argument("--chunk", type=int, default=1_000_000, help="executions per libFuzzer process")
    ap.add_argument("--seed-base", type=int, default=0,
                    help="added to every chunk's -seed (a second driver beside a first: other seeds)")
    ap.add_argument("--replay-seconds", type=float, default=40, help="time box for the final corpus replays")
    ap.add_argument("--launcher", default="", help="command prefix for every binary (e.g. a dynamic loader)")
    a = ap.parse_args()

    start = time.time()
    deadline = start + a.seconds
    launcher = shlex.split(a.launcher)
    targets = []
    for spec in a.target:
        name, _, seeds = spec.partition(":")
        targets.append({"name": name, "seeds": [s for s in seeds.split(",") if s], "issued": 0, "chunks": []})
    for sub in ("logs", "corpus", "artifacts"):
        for t in targets:
            os.makedirs(os.path.join(a.out, sub, t["name"]) if sub != "logs" else os.path.join(a.out, sub), exist_ok=True)

    n_chunks = (a.runs + a.chunk - 1) // a.chunk
    running = []

    def launch(t):
        k = t["issued"]
        t["issued"] += 1
        left = max(1, int(deadline - time.time()))
        runs = min(a.chunk, a.runs - k * a.chunk)
        log = os.path.join(a.out, "logs", f"{t['name']}.{k}.log")
        cmd = launcher + [os.path.join(a.bin, t["name"] + "_fuzz"), f"-runs={runs}", f"-seed={a.seed_base + 1000 * (k + 1) + len(t['name'])}",
                          f"-max_total_time={left}", "-print_final_stats=1", *FUZZ_FLAGS,
                          "-artifact_prefix=" + os.path.join(a.out, "artifacts", t["name"]) + "/",
                          os.path.join(a.out, "corpus", t["name"]), *t["seeds"]]
        f = open(log, "w")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
        running.append({"p": p, "t": t, "log": log, "f": f, "k": k, "runs": runs, "t0": time.time()})

    def next_target():
        for t in targets:  # every target gets a first chunk before any gets a second
            if t["issued"] == 0:
                return t
        for t in targets:
            if t["issued"] < n_chunks:
                return t
        return None

    while len(running) < a.workers and next_target() is not None:
        launch(next_target())
    while running:
        time.sleep(0.5)
        for r in list(running):
            rc = r["p"].poll()
            if rc is None:
                continue
            r["f"].close()
            running.remove(r)
            info = parse_log(r["log"])
            info.update({"k": r["k"], "rc": rc, "runs_asked": r["runs"], "seconds": round(time.time() - r["t0"], 1)})
            r["t"]["chunks"].append(info)
            t = next_target()
            if t is not None and deadline - time.time() > 15:
                launch(t)
        if time.time() > deadline + 20:  # a process ignoring -max_total_time
            for r in running:
                r["p"].kill()

    summary = {"seconds": round(time.time() - start, 1), "workers": a.workers, "runs_wanted": a.runs,
               "chunk": a.chunk, "targets": {}}
    replays = []  # one -runs=0 replay per target, all at once
    for t in targets:
        replay_log = os.path.join(a.out, "logs", f"{t['name']}.replay.log")
        f = open(replay_log, "w")
        cmd = launcher + [os.path.join(a.bin, t["name"] + "_fuzz"), "-runs=0", *FUZZ_FLAGS,
                          os.path.join(a.out, "corpus", t["name"]), *t["seeds"]]
        replays.append((subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT), f))
    for p, f in replays:
        try:
            p.wait(timeout=max(1, start + a.seconds + a.replay_seconds - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
        f.close()
    for t in targets:
        corpus = os.path.join(a.out, "corpus", t["name"])
        replay_log = os.path.join(a.out, "logs", f"{t['name']}.replay.log")
        st = parse_log(replay_log)["last_status"]
        arts = os.listdir(os.path.join(a.out, "artifacts", t["name"]))
        execs = sum(c["execs"] for c in t["chunks"])
        summary["targets"][t["name"]] = {
            "executions": execs, "chunks": len(t["chunks"]),
            "chunks_cut_at_deadline": sum(1 for c in t["chunks"] if c["execs"] < c["runs_asked"]),
            "process_seconds": round(sum(c["seconds"] for c in t["chunks"]), 1),
            "exec_per_process_second": round(execs / max(1e-9, sum(c["seconds"] for c in t["chunks"]))),
            "cov": int(st[1]) if st else None, "ft": int(st[2]) if st else None,
            "corpus_files": len(os.listdir(corpus)),
            "crashes": len(arts) + sum(1 for c in t["chunks"] if c["rc"] != 0) + sum(c["errors"] for c in t["chunks"]),
            "artifacts": arts, "nonzero_exits": [c["rc"] for c in t["chunks"] if c["rc"] != 0],
            "reached_runs": execs >= a.runs}
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    lines = ["| target | executions | chunks (cut at deadline) | exec/s per process | cov | ft | corpus | crashes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in summary["targets"].items():
        lines.append(f"| {name}_fuzz | {s['executions']:,} | {s['chunks']} ({s['chunks_cut_at_deadline']}) | "
                     f"{s['exec_per_process_second']:,} | {s['cov']} | {s['ft']} | {s['corpus_files']} | {s['crashes']} |")
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
