#!/usr/bin/env python3
"""Train sinklab models (one or several attention variants in lockstep).

All variants given to one run see the same batches in the same order and take
the same number of optimizer steps.  Every training sequence is
[BOS] + 511 tokens cropped at a random offset of the token stream (documents are
joined with EOS); the `sink-token` variant additionally gets its learnable sink
vector in front (position 0), so it sees 513 positions and the same 512 tokens.

Data directory (made by run_all.py or tokenize_corpus.py):
  train.u16, heldout.u16   little-endian uint16 token streams
  meta.json                {"bos_id", "eos_id", "vocab_size"}

CPU smoke test (PyTorch 1.13 API subset):
  python3 tools/sinklab/train.py --data D --out O --device cpu --dim 64 --layers 2 \
      --heads 4 --kv-heads 2 --ffn 128 --seq 64 --batch 4 --steps 5 --variants all
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import VARIANTS, Config, Model, fast_path_ok  # noqa: E402


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_data(d, device):
    d = Path(d)
    meta = json.loads((d / "meta.json").read_text())
    out = {}
    for split in ("train", "heldout"):
        arr = np.fromfile(d / (split + ".u16"), dtype="<u2").astype(np.int64)
        out[split] = torch.from_numpy(arr).to(device)
    return meta, out


class Batcher:
    """Deterministic random crops: [BOS] + (seq-1) tokens as input, next tokens as target."""

    def __init__(self, stream, bos, seq, batch, seed, device):
        self.stream, self.bos, self.seq, self.batch = stream, bos, seq, batch
        self.g = torch.Generator(device="cpu")
        self.g.manual_seed(seed)
        self.ar = torch.arange(seq, device=device)

    def next(self):
        n = self.stream.numel() - self.seq - 1
        starts = torch.randint(0, n, (self.batch,), generator=self.g).to(self.ar.device)
        win = self.stream[starts[:, None] + self.ar[None, :]]           # [B, seq] content
        x = torch.cat([torch.full_like(win[:, :1], self.bos), win[:, :-1]], dim=1)
        return x, win


def eval_windows(stream, bos, seq, n_windows):
    """n evenly spaced [BOS]+(seq-1)-token windows and their targets (deterministic)."""
    n = stream.numel() - seq - 1
    starts = torch.linspace(0, n - 1, n_windows).long().to(stream.device)
    ar = torch.arange(seq, device=stream.device)
    win = stream[starts[:, None] + ar[None, :]]
    x = torch.cat([torch.full_like(win[:, :1], bos), win[:, :-1]], dim=1)
    return x, win


def autocast_ctx(device, enabled):
    if device.type == "cuda" and enabled:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    import contextlib
    return contextlib.nullcontext()


@torch.no_grad()
def quick_eval(model, x, y, device, amp, chunk=16):
    """Mean NLL over windows, plus first-token attention mass per (layer, head)
    measured on the first few windows (queries at positions >= 5)."""
    model.eval()
    tot, cnt = 0.0, 0
    for i in range(0, x.shape[0], chunk):
        with autocast_ctx(device, amp):
            lg = model(x[i:i + chunk])
        tot += F.cross_entropy(lg.float().reshape(-1, lg.shape[-1]), y[i:i + chunk].reshape(-1),
                               reduction="sum").item()
        cnt += y[i:i + chunk].numel()
    _, probs, _ = model(x[:4], want_probs=True)
    mass = [p[:, :, 5:, 0].mean(dim=(0, 2)).tolist() for p, _ in probs]
    model.train()
    return tot / cnt, mass


def sink_summary(mass, eps=0.3):
    flat = [m for layer in mass for m in layer]
    return {"sink_rate": sum(m > eps for m in flat) / len(flat), "max_first_mass": max(flat),
            "mean_first_mass": sum(flat) / len(flat)}


def make_optimizer(model, lr, wd, device):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.dim() == 2 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]
    kw = dict(lr=lr, betas=(0.9, 0.95), eps=1e-8)
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(groups, fused=True, **kw)
        except (TypeError, RuntimeError):
            pass
    return torch.optim.AdamW(groups, **kw)


def lr_at(step, total, peak, warmup, floor=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def build_models(args, vocab_size, device):
    models = {}
    for v in args.variants:
        torch.manual_seed(args.seed)
        cfg = Config(vocab_size=vocab_size, dim=args.dim, n_layers=args.layers, n_heads=args.heads,
                     n_kv_heads=args.kv_heads, ffn_dim=args.ffn, max_seq=args.seq + 8,
                     rope_theta=args.rope_theta, variant=v)
        m = Model(cfg).to(device)
        if args.init_from:
            src = Path(args.init_from.replace("{variant}", v))
            if src.suffix == ".gguf":
                from export import load_gguf_into
                load_gguf_into(m, src)
            else:
                m.load_state_dict(torch.load(src, map_location=device)["model"])
            log("initialized %s from %s" % (v, src))
        if device.type == "cuda":
            ok, d = fast_path_ok(m, device)
            m.set_fast(ok)
            log("variant %-10s params %d  fast path %s (max diff vs reference %s)" %
                (v, m.n_params(), ok, d))
        else:
            log("variant %-10s params %d" % (v, m.n_params()))
        models[v] = m
    return models


def train(args, meta, data, device, deadline=None, log_every=50):
    """Returns (models, history).  `deadline` (time.time() seconds) bounds training:
    the step count is fixed after timing the first iterations so that all variants
    take the same number of steps and the cosine schedule ends at the last one."""
    bos = meta["bos_id"]
    models = build_models(args, meta["vocab_size"], device)
    opts = {v: make_optimizer(m, args.lr, args.wd, device) for v, m in models.items()}
    batcher = Batcher(data["train"], bos, args.seq, args.batch, args.seed + 1, device)
    ex, ey = eval_windows(data["heldout"], bos, args.seq, args.eval_windows)
    amp = not args.no_amp
    total = args.steps
    hist = {v: [] for v in models}
    t0 = time.time()
    tokens_per_step = args.batch * args.seq
    step = 0
    timed_at = None
    eval_every = args.eval_every
    ema = {v: None for v in models}
    while step < total:
        lr = lr_at(step, total, args.lr, args.warmup)
        x, y = batcher.next()
        for v, m in models.items():
            for g in opts[v].param_groups:
                g["lr"] = lr
            with autocast_ctx(device, amp):
                lg = m(x)
            loss = F.cross_entropy(lg.float().reshape(-1, lg.shape[-1]), y.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), args.clip)
            opts[v].step()
            opts[v].zero_grad(set_to_none=True)
            if step % 10 == 0:
                lv = loss.item()
                if not math.isfinite(lv):
                    raise RuntimeError("non-finite loss in %s at step %d" % (v, step))
                ema[v] = lv if ema[v] is None else 0.9 * ema[v] + 0.1 * lv
        step += 1
        # fix the step budget from the measured iteration time
        if deadline is not None and timed_at is None and step == 12:
            if device.type == "cuda":
                torch.cuda.synchronize()
            timed_at = (step, time.time())
        if deadline is not None and timed_at is not None and step == 32:
            if device.type == "cuda":
                torch.cuda.synchronize()
            per = (time.time() - timed_at[1]) / (step - timed_at[0])
            n_evals = 12
            eval_cost = 0.5 * len(models)          # seconds per periodic eval, rough
            left = deadline - time.time() - n_evals * eval_cost
            total = min(args.steps, step + max(0, int(left / per)))
            eval_every = max(1, total // n_evals)
            log("%.3f s per lockstep iteration (%d models): %d steps, %.1fM tokens per model" %
                (per, len(models), total, total * tokens_per_step / 1e6))
        if step % log_every == 0 or step == total:
            log("step %d/%d lr %.2e  " % (step, total, lr) +
                "  ".join("%s %.3f" % (v, ema[v] if ema[v] is not None else float("nan"))
                          for v in models))
        if eval_every and (step % eval_every == 0 or step == total):
            for v, m in models.items():
                hl, mass = quick_eval(m, ex, ey, device, amp)
                s = sink_summary(mass)
                hist[v].append({"step": step, "tokens": args.tokens_before + step * tokens_per_step, "train_loss_ema": ema[v],
                                "heldout_loss": hl, **s})
            log("eval step %d: " % step + "  ".join(
                "%s hl %.3f sr %.3f mx %.2f" % (v, h[-1]["heldout_loss"], h[-1]["sink_rate"],
                                               h[-1]["max_first_mass"]) for v, h in hist.items()))
        if deadline is not None and time.time() > deadline + 30:
            log("past the deadline: stopping at step %d" % step)
            break
    for v, m in models.items():
        m.train_info = {"steps": step, "tokens_seen": args.tokens_before + step * tokens_per_step,
                        "tokens_this_run": step * tokens_per_step, "batch": args.batch,
                        "seq": args.seq, "lr": args.lr, "wd": args.wd, "warmup": args.warmup,
                        "train_seconds": time.time() - t0}
    return models, hist, opts


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="sinklab trainer")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", default="softmax", help="comma list or 'all': " + ",".join(VARIANTS))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=100000, help="upper bound (with --time-budget)")
    ap.add_argument("--time-budget", type=float, default=None, help="seconds of training")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--eval-every", type=int, default=0)
    ap.add_argument("--eval-windows", type=int, default=32)
    ap.add_argument("--no-amp", action="store_true")
    ap.add_argument("--init-from", default=None,
                    help="checkpoint .pt or .gguf to start from; '{variant}' is replaced")
    ap.add_argument("--tokens-before", type=int, default=0,
                    help="tokens the --init-from model had already seen (for the history)")
    ap.add_argument("--export", default="f32", choices=["f32", "f16", "none"])
    a = ap.parse_args(argv)
    a.variants = list(VARIANTS) if a.variants == "all" else a.variants.split(",")
    for v in a.variants:
        if v not in VARIANTS:
            ap.error("unknown variant " + v)
    return a


def save_checkpoint(m, opt, path, extra=None):
    torch.save({"model": m.state_dict(), "config": m.cfg.to_dict(),
                "optimizer": opt.state_dict() if opt is not None else None,
                "train_info": getattr(m, "train_info", None), **(extra or {})}, path)


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta, data = load_data(args.data, device)
    deadline = time.time() + args.time_budget if args.time_budget else None
    models, hist, opts = train(args, meta, data, device, deadline, log_every=max(1, min(50, args.steps // 5)))
    from export import export_gguf
    for v, m in models.items():
        save_checkpoint(m, opts[v], out / ("ckpt-%s.pt" % v))
        if args.export != "none":
            tk = json.loads((Path(args.data) / "tokenizer_kv.json").read_text()) \
                if (Path(args.data) / "tokenizer_kv.json").exists() else None
            n = export_gguf(m, out / ("sinklab-%s.gguf" % v), args.export, tokenizer_json=tk,
                            name="sinklab-%s" % v)
            log("exported %s (%d bytes)" % (out / ("sinklab-%s.gguf" % v), n))
    (out / "history.json").write_text(json.dumps(hist, indent=1))


if __name__ == "__main__":
    main()
