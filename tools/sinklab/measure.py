#!/usr/bin/env python3
"""Measure sinks and streaming behaviour of a sinklab model (PyTorch; CPU or GPU).

* held-out (and train) loss: mean NLL over evenly spaced [BOS]+511-token windows.
* first-token mass: per (layer, head), the mean attention probability on position 0
  over 512-token held-out windows, queries at positions >= 5 (for `sink-token`,
  position 0 is the sink token and the BOS sits at position 1; both are reported).
* null mass (softmax1 / sink-logit): mean probability of the extra logit.
* sink rate: fraction of (layer, head) with first-token mass > 0.3.
* massive activations: per layer, max |h| / median |h| of the residual stream
  after the layer, over the same windows, and the position of the max.
* streaming NLL: a true KV-cache stream, one token a step.  Keys are cached
  before RoPE; each step the kept keys are rotated at their in-cache positions
  0..n-1 (StreamingLLM pos-shift) and the query at n-1; eviction is per token.
  `window:W` keeps the W most recent tokens (the current one included);
  `sink:S:W` keeps the first S items of the stream plus the W most recent.
  For `sink-token` the first item of the stream is the sink vector, then BOS.
  Several independent streams (each [BOS] + a contiguous slice of held-out
  tokens) run as one batch with every policy.

CLI: measure.py --gguf model.gguf --data DATA_DIR --out results.json [--device cpu]
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import apply_rope, rope_tables  # noqa: E402


def windows(stream, bos, seq, n):
    m = stream.numel() - seq - 1
    starts = torch.linspace(0, m - 1, n).long().to(stream.device)
    ar = torch.arange(seq, device=stream.device)
    win = stream[starts[:, None] + ar[None, :]]
    x = torch.cat([torch.full_like(win[:, :1], bos), win[:, :-1]], dim=1)
    return x, win


@torch.no_grad()
def window_loss(model, stream, bos, seq=512, n=64, chunk=16):
    x, y = windows(stream, bos, seq, n)
    tot, cnt = 0.0, 0
    for i in range(0, n, chunk):
        lg = model(x[i:i + chunk])
        tot += F.cross_entropy(lg.float().reshape(-1, lg.shape[-1]), y[i:i + chunk].reshape(-1),
                               reduction="sum").item()
        cnt += y[i:i + chunk].numel()
    return tot / cnt


@torch.no_grad()
def attention_stats(model, stream, bos, seq=512, n=16, chunk=4, q_from=5, eps=0.3):
    x, _ = windows(stream, bos, seq, n)
    L, H = model.cfg.n_layers, model.cfg.n_heads
    first = torch.zeros(L, H)
    second = torch.zeros(L, H)
    null = torch.zeros(L, H)
    act_max = torch.zeros(L)
    act_ratio = torch.zeros(L)
    act_pos = [0] * L
    nb = 0
    for i in range(0, n, chunk):
        _, probs, hidden = model(x[i:i + chunk], want_probs=True, want_hidden=True)
        for l, (p, pn) in enumerate(probs):
            first[l] += p[:, :, q_from:, 0].mean(dim=(0, 2)).cpu()
            second[l] += p[:, :, q_from:, 1].mean(dim=(0, 2)).cpu()
            if pn is not None:
                null[l] += pn[:, :, q_from:].mean(dim=(0, 2)).cpu()
        for l, h in enumerate(hidden):
            a = h.float().abs()
            mx = a.max().item()
            if mx > act_max[l]:
                act_max[l] = mx
                act_pos[l] = int(a.amax(dim=(0, 2)).argmax().item())
            act_ratio[l] = max(act_ratio[l].item(), mx / a.median().clamp_min(1e-12).item())
        nb += 1
    first /= nb
    second /= nb
    null /= nb
    flat = first.flatten()
    out = {
        "first_token_mass": [[round(v, 4) for v in r] for r in first.tolist()],
        "sink_rate": float((flat > eps).float().mean()),
        "sink_heads": [[l, h, round(float(first[l, h]), 4)] for l in range(L) for h in range(H)
                       if first[l, h] > eps],
        "max_first_mass": float(flat.max()),
        "mean_first_mass": float(flat.mean()),
        "act_ratio_per_layer": [round(v, 1) for v in act_ratio.tolist()],
        "act_max_per_layer": [round(v, 2) for v in act_max.tolist()],
        "act_argmax_position_per_layer": act_pos,
        "max_act_ratio": float(act_ratio.max()),
    }
    if model.n_prefix:
        out["bos_mass"] = [[round(v, 4) for v in r] for r in second.tolist()]
        out["max_bos_mass"] = float(second.max())
    if model.layers[0].attn.extra_logit() is not None:
        out["null_mass"] = [[round(v, 4) for v in r] for r in null.tolist()]
        out["mean_null_mass"] = float(null.mean())
        out["max_null_mass"] = float(null.max())
    return out


def parse_policy(p):
    parts = p.split(":")
    if parts[0] == "window":
        return 0, int(parts[1])
    if parts[0] == "sink":
        return int(parts[1]), int(parts[2])
    raise ValueError("unsupported policy " + p)


@torch.no_grad()
def stream_nll(model, tokens, bos, policies, n_streams=8, stream_len=2500, log=None):
    """tokens: 1-D held-out token tensor (>= n_streams*stream_len).  Returns
    {policy: {"nll": mean over all predicted tokens, "nll_after_window": mean over
    tokens at stream index >= cache size, "tokens": count}}."""
    dev = tokens.device
    cfg = model.cfg
    sizes = {sum(parse_policy(p)) for p in policies}
    assert len(sizes) == 1, "policies must share one cache size"
    C = sizes.pop()
    P, S = len(policies), n_streams
    B = P * S
    L = stream_len
    seg = tokens[: S * L].view(S, L)
    inp = torch.cat([torch.full((S, 1), bos, device=dev, dtype=seg.dtype), seg[:, :-1]], dim=1)
    inp = inp.repeat(P, 1)                      # row r = policy r // S, stream r % S
    tgt = seg.repeat(P, 1)
    npre = model.n_prefix
    N = npre + L                                # items in each stream
    hd, Hk, H = cfg.head_dim, cfg.n_kv_heads, cfg.n_heads
    rep = H // Hk
    kbuf = [torch.zeros(B, Hk, N, hd, device=dev) for _ in range(cfg.n_layers)]
    vbuf = [torch.zeros(B, Hk, N, hd, device=dev) for _ in range(cfg.n_layers)]
    cos, sin = rope_tables(hd, C + 1, cfg.rope_theta, device=dev)
    nll = torch.zeros(B, L, device=dev)
    pol = [parse_policy(p) for p in policies]
    t0 = time.time()
    for t in range(N):
        n = min(t + 1, C)
        if t + 1 <= C:
            idx = torch.arange(t + 1, device=dev).view(1, -1).expand(B, -1)
        else:
            rows = []
            for s_keep, w in pol:
                ids = list(range(s_keep)) + list(range(t - w + 1, t + 1))
                rows.append(torch.tensor(ids, device=dev).view(1, -1).expand(S, -1))
            idx = torch.cat(rows, dim=0)
        gidx = idx.view(B, 1, n, 1).expand(B, Hk, n, hd)
        if t < npre:
            x = model.sink_emb.float().view(1, 1, -1).expand(B, 1, -1)
        else:
            x = model.tok_emb(inp[:, t - npre]).float().view(B, 1, -1)
        for li, layer in enumerate(model.layers):
            at = layer.attn
            xn = layer.attn_norm(x)
            q = at.wq(xn).view(B, 1, H, hd).transpose(1, 2)
            k = at.wk(xn).view(B, 1, Hk, hd).transpose(1, 2)
            v = at.wv(xn).view(B, 1, Hk, hd).transpose(1, 2)
            kbuf[li][:, :, t:t + 1] = k
            vbuf[li][:, :, t:t + 1] = v
            K = kbuf[li].gather(2, gidx)
            V = vbuf[li].gather(2, gidx)
            K = apply_rope(K, cos[:n], sin[:n])
            q = apply_rope(q, cos[n - 1:n], sin[n - 1:n])
            if rep > 1:
                K = K.repeat_interleave(rep, dim=1)
                V = V.repeat_interleave(rep, dim=1)
            s = torch.matmul(q, K.transpose(-1, -2)) / math.sqrt(hd)     # [B,H,1,n]
            e = at.extra_logit()
            if e is not None:
                s = torch.cat([s, e.float().view(1, H, 1, 1).expand(B, H, 1, 1)], dim=-1)
                p = torch.softmax(s, dim=-1)[..., :-1]
            else:
                p = torch.softmax(s, dim=-1)
            o = torch.matmul(p, V)                                        # [B,H,1,hd]
            if at.wg is not None:
                g = torch.sigmoid(at.wg(xn)).transpose(1, 2).unsqueeze(-1)
                o = o * g
            x = x + at.wo(o.transpose(1, 2).reshape(B, 1, H * hd))
            h = layer.ffn_norm(x)
            x = x + layer.w2(F.silu(layer.w1(h)) * layer.w3(h))
        if t >= npre:
            lg = model.out(model.norm(x))[:, 0].float()
            nll[:, t - npre] = F.cross_entropy(lg, tgt[:, t - npre], reduction="none")
        if log and t % 500 == 0 and t:
            log("  stream step %d/%d (%.1fs)" % (t, N, time.time() - t0))
    res = {}
    for i, p in enumerate(policies):
        r = nll[i * S:(i + 1) * S]
        # stream item index of target j is npre + j; the cache is full from item C on
        after = r[:, max(0, C - npre):]
        res[p] = {"nll": float(r.mean()), "ppl": math.exp(float(r.mean())),
                  "nll_after_window": float(after.mean()), "ppl_after_window": math.exp(float(after.mean())),
                  "tokens": int(r.numel()), "tokens_after_window": int(after.numel())}
    res["_setup"] = {"streams": S, "stream_len": L, "cache": C, "seconds": time.time() - t0}
    return res


def policies_for(model, cache=256):
    ps = ["window:%d" % cache, "sink:4:%d" % (cache - 4), "sink:1:%d" % (cache - 1)]
    return ps


def measure_all(model, data, bos, log=print, n_streams=8, stream_len=2500, skip_stream=False):
    model.eval()
    dev = next(model.parameters()).device
    t0 = time.time()
    res = {"variant": model.cfg.variant, "params": model.n_params()}
    seq = model.cfg.max_seq - 8            # the training length
    res["heldout_loss"] = window_loss(model, data["heldout"], bos, seq)
    res["train_loss"] = window_loss(model, data["train"], bos, seq)
    res.update(attention_stats(model, data["heldout"], bos, seq))
    log("%s: heldout %.4f train %.4f sink_rate %.3f max_first %.3f max_act_ratio %.0f (%.1fs)" %
        (model.cfg.variant, res["heldout_loss"], res["train_loss"], res["sink_rate"],
         res["max_first_mass"], res["max_act_ratio"], time.time() - t0))
    if not skip_stream:
        st = data["stream"] if "stream" in data else data["heldout"]
        res["stream"] = stream_nll(model, st.to(dev), bos, policies_for(model), n_streams, stream_len, log)
        log("%s stream: " % model.cfg.variant + "  ".join(
            "%s %.4f/%.4f" % (p, r["nll"], r["nll_after_window"]) for p, r in res["stream"].items()
            if not p.startswith("_")))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--data", required=True, help="dir with train.u16, heldout.u16, stream.u16, meta.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--streams", type=int, default=8)
    ap.add_argument("--stream-len", type=int, default=2500)
    a = ap.parse_args()
    from export import load_gguf_model
    from train import load_data
    m, kv = load_gguf_model(a.gguf, a.device)
    meta, data = load_data(a.data, torch.device(a.device))
    sp = Path(a.data) / "stream.u16"
    if sp.exists():
        import numpy as np
        data["stream"] = torch.from_numpy(np.fromfile(sp, dtype="<u2").astype("int64")).to(a.device)
    res = measure_all(m, data, meta["bos_id"], n_streams=a.streams, stream_len=a.stream_len)
    Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
