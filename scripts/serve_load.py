#!/usr/bin/env python3
"""Load run of `sinkstream serve` on loopback: N concurrent streaming sessions
per level, each a client thread that sends turn after turn on its own session
(only the new user message each turn) for a fixed time. Per level: aggregate
generated tokens/s, p50/p99 time to first token and inter-token latency,
errors, the server's RSS (min/max over the level). Writes a Markdown table
and an SVG plot (no plotting library needed), and the raw numbers as JSON.

Usage:
  scripts/serve_load.py --binary build/release/sinkstream --model M.gguf \
      --chat-template tests/fixtures/serve/chatml.jinja --levels 1,4,16,64 \
      --seconds 60 --max-tokens 32 --out docs/figures/serving
Standard library only (/usr/bin/python3).
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class Client(threading.Thread):
    """One session: streams turns until the deadline; records TTFT, gaps, tokens."""

    def __init__(self, port, session, max_tokens, deadline, model):
        super().__init__(daemon=True)
        self.port, self.session, self.max_tokens, self.deadline, self.model = port, session, max_tokens, deadline, model
        self.ttft, self.gaps, self.tokens, self.errors, self.turns = [], [], 0, [], 0
        self.fed = 0  # prompt tokens the server fed (not already held by the session)

    def turn(self, k):
        body = json.dumps({
            "model": self.model, "session_id": self.session, "stream": True, "max_tokens": self.max_tokens,
            "stream_options": {"include_usage": True}, "temperature": 0.8, "seed": k,
            "messages": [{"role": "user", "content": f"Turn {k}: tell me more about the river and the old mill."}],
        })
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        t0 = time.monotonic()
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            self.errors.append(f"HTTP {resp.status}: {resp.read()[:200]!r}")
            conn.close()
            return
        last = None
        done = False
        for raw in resp:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data: "):
                continue
            data = line[6:]
            if data == "[DONE]":
                done = True
                break
            chunk = json.loads(data)
            if "error" in chunk:
                self.errors.append(str(chunk["error"]))
                break
            if chunk.get("usage"):
                u = chunk["usage"]
                self.tokens += u["completion_tokens"]
                self.fed += u["prompt_tokens"] - u.get("prompt_tokens_details", {}).get("cached_tokens", 0)
            for c in chunk.get("choices", []):
                if c.get("delta", {}).get("content"):
                    now = time.monotonic()
                    if last is None:
                        self.ttft.append(now - t0)
                    else:
                        self.gaps.append(now - last)
                    last = now
        conn.close()
        if not done:
            self.errors.append("stream ended without [DONE]")
        self.turns += 1

    def run(self):
        k = 0
        while time.monotonic() < self.deadline:
            try:
                self.turn(k)
            except Exception as e:  # noqa: BLE001 - every failure is counted as an error
                self.errors.append(repr(e))
            k += 1


def run_level(port, pid, n, seconds, max_tokens, model, level_index):
    start = time.monotonic()
    deadline = start + seconds
    clients = [Client(port, f"load{level_index}-{i}", max_tokens, deadline, model) for i in range(n)]
    for c in clients:
        c.start()
    rss = []
    while any(c.is_alive() for c in clients):
        rss.append(rss_mib(pid))
        time.sleep(1.0)
    for c in clients:
        c.join()
    wall = time.monotonic() - start  # includes the turns in flight at the deadline
    rss_end = rss_mib(pid)
    for c in clients:  # the next level starts from no sessions
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("DELETE", f"/v1/sessions/{c.session}")
        conn.getresponse().read()
        conn.close()
    ttft = [x for c in clients for x in c.ttft]
    gaps = [x for c in clients for x in c.gaps]
    return {
        "sessions": n, "wall_s": wall, "turns": sum(c.turns for c in clients),
        "tokens": sum(c.tokens for c in clients), "tokens_per_s": sum(c.tokens for c in clients) / wall,
        "prompt_fed": sum(c.fed for c in clients),
        "all_tokens_per_s": sum(c.tokens + c.fed for c in clients) / wall,
        "ttft_p50_ms": 1e3 * percentile(ttft, 50), "ttft_p99_ms": 1e3 * percentile(ttft, 99),
        "itl_p50_ms": 1e3 * percentile(gaps, 50), "itl_p99_ms": 1e3 * percentile(gaps, 99),
        "errors": sum(len(c.errors) for c in clients),
        "error_samples": [e for c in clients for e in c.errors][:5],
        "rss_min_mib": min(rss) if rss else float("nan"), "rss_max_mib": max(rss) if rss else float("nan"),
        # RSS once every session has started (5 s in) and at the end: flat when no memory grows per turn.
        "rss_5s_mib": rss[min(5, len(rss) - 1)] if rss else float("nan"), "rss_end_mib": rss_end,
        "rss_after_delete_mib": rss_mib(pid),
        "rss_series_mib": rss,  # one sample per second from the level's start
    }


def svg_plot(rows, path):
    """Two panels: aggregate tokens/s and p50/p99 inter-token latency vs sessions (log2 x)."""
    import math
    W, H, pad = 760, 320, 60
    xs = [math.log2(r["sessions"]) for r in rows]
    xmax = max(xs) or 1

    def panel(x0, title, series, ylabel):
        ymax = max(max(v for v in s["values"] if v == v) for s in series) * 1.15 or 1
        w, h = W / 2 - pad - 10, H - 2 * pad
        out = [f'<text x="{x0 + w / 2 + pad}" y="24" text-anchor="middle" font-size="14">{title}</text>',
               f'<line x1="{x0 + pad}" y1="{pad + h}" x2="{x0 + pad + w}" y2="{pad + h}" stroke="black"/>',
               f'<line x1="{x0 + pad}" y1="{pad}" x2="{x0 + pad}" y2="{pad + h}" stroke="black"/>',
               f'<text x="{x0 + 14}" y="{pad + h / 2}" font-size="11" transform="rotate(-90 {x0 + 14} {pad + h / 2})" '
               f'text-anchor="middle">{ylabel}</text>']
        for r, x in zip(rows, xs):
            px = x0 + pad + w * x / xmax
            out.append(f'<text x="{px}" y="{pad + h + 16}" text-anchor="middle" font-size="11">{r["sessions"]}</text>')
        for i in range(5):
            v = ymax * i / 4
            py = pad + h - h * v / ymax
            out.append(f'<text x="{x0 + pad - 4}" y="{py + 4}" text-anchor="end" font-size="10">{v:.0f}</text>')
        for k, s in enumerate(series):
            pts = " ".join(f"{x0 + pad + w * x / xmax:.1f},{pad + h - h * v / ymax:.1f}" for x, v in zip(xs, s["values"]))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{s["color"]}" stroke-width="2"/>')
            out.append(f'<text x="{x0 + pad + 8}" y="{pad + 14 + 14 * k}" font-size="11" fill="{s["color"]}">{s["name"]}</text>')
        out.append(f'<text x="{x0 + pad + w / 2}" y="{H - 14}" text-anchor="middle" font-size="11">concurrent sessions</text>')
        return out

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">',
             '<rect width="100%" height="100%" fill="white"/>']
    parts += panel(0, "aggregate generated tokens/s", [
        {"name": "tokens/s", "values": [r["tokens_per_s"] for r in rows], "color": "#1f77b4"}], "tokens/s")
    parts += panel(W / 2, "inter-token latency (ms)", [
        {"name": "p50", "values": [r["itl_p50_ms"] for r in rows], "color": "#2ca02c"},
        {"name": "p99", "values": [r["itl_p99_ms"] for r in rows], "color": "#d62728"}], "ms")
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--chat-template", default="")
    ap.add_argument("--levels", default="1,4,16,64")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default="sink:4:252")
    ap.add_argument("--out", required=True, help="output prefix: PREFIX.json, PREFIX.md, PREFIX.svg")
    a = ap.parse_args()
    levels = [int(x) for x in a.levels.split(",")]
    cmd = [a.binary, "serve", "-m", a.model, "--port", "0", "--threads", str(a.threads), "--cache", a.cache,
           "--model-id", "load", "--max-active", str(max(levels) + 4), "--max-sessions", str(sum(levels) + 4)]
    if a.chat_template:
        cmd += ["--chat-template", a.chat_template]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    m = re.search(r"listening on http://[^:]+:(\d+)", line)
    if not m:
        server.kill()
        sys.exit(f"server did not start: {line}{server.stderr.read()}")
    port = int(m.group(1))
    rows = []
    try:
        for i, n in enumerate(levels):
            r = run_level(port, server.pid, n, a.seconds, a.max_tokens, "load", i)
            rows.append(r)
            print(json.dumps(r), flush=True)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/metrics")
        metrics = conn.getresponse().read().decode()
    finally:
        server.terminate()
        server.wait(timeout=120)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    meta = {"command": " ".join(sys.argv), "server": " ".join(cmd), "levels": rows,
            "batch": [ln for ln in metrics.splitlines() if ln.startswith("sinkstream_batch_")]}
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    base = rows[0]["tokens_per_s"]
    with open(a.out + ".md", "w") as f:
        f.write("| sessions | generated tok/s | × 1 session | fed + generated tok/s | TTFT p50 / p99 (ms) | inter-token p50 / p99 (ms) | turns | errors | RSS at 5 s → end (MiB) |\n")
        f.write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        for r in rows:
            f.write(f"| {r['sessions']} | {r['tokens_per_s']:.1f} | {r['tokens_per_s'] / base:.2f} | "
                    f"{r['all_tokens_per_s']:.1f} | "
                    f"{r['ttft_p50_ms']:.0f} / {r['ttft_p99_ms']:.0f} | {r['itl_p50_ms']:.0f} / {r['itl_p99_ms']:.0f} | "
                    f"{r['turns']} | {r['errors']} | {r['rss_5s_mib']:.0f} → {r['rss_end_mib']:.0f} |\n")
    svg_plot(rows, a.out + ".svg")
    print(open(a.out + ".md").read())


if __name__ == "__main__":
    main()
