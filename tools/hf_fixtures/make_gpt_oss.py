#!/usr/bin/env python3
"""Builds the tiny gpt-oss fixture (tests/fixtures/hf/gpt_oss) with HF transformers
and dumps its oracle outputs; the method is make_fixtures.py's (seeded init, brief
training on a synthetic Markov chain, oracle computed on the CPU in float32 from
the saved folder), whose helpers this script imports.

What the fixture exercises: q/k/v/o with biases, a learned sink logit per head
(nonzero: N(SINK_MEAN, SINK_STD^2)), RMSNorm before attention and before the MoE,
a router with bias and softmax over the top-2 of 4 experts, experts with
gpt-oss's clamped SwiGLU (alpha 1.702, limit 7, (up + 1)) and biases, YaRN RoPE
(factor 8 over an original context of 64, truncate false as gpt-oss ships it),
and alternating sliding (window 48) / full layers, over N_INPUT = 320 tokens so
the window matters.

Besides the oracle, the script checks its own reading of the saved file: a
plain torch transcription of the architecture (float64) over the tensors as
they lie in model.safetensors must reproduce HF's logits (manifest
"independent_forward"), with the alternatives (gate/up as halves instead of
interleaved, YaRN truncated) reported so that a wrong reading shows. It also
estimates how MXFP4 experts (a transcription of the OCP MX spec) move top-1.

Writes <out>/hf/gpt_oss/: config.json (new dialect, rope_parameters),
config_old_dialect.json (top-level rope_theta + rope_scaling; kept only when HF
reloads it to the same logits), model.safetensors, logits.bin (f32 [320, vocab]),
tokens.json (input [320], greedy [16], greedy_margin [16], eval [32 x [48]]),
hidden.bin (f32 [n_layer + 1, 320, hidden]: HF's hidden states, for debugging);
and <out>/manifest_gpt_oss.json.

Usage: python3 make_gpt_oss.py --out DIR [--tar FILE] [--steps N]
"""

import argparse
import json
import math
import os
import sys
import tarfile
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (shared helpers: chain, training loop, loading, greedy)

NAME = "gpt_oss"
SEED = 201
N_INPUT = 320
WINDOW = 48
SINK_MEAN, SINK_STD = 0.5, 1.0
GATE_UP_GAIN = 3.0   # gate/up pre-activations ~N(0, 9): a few percent reach the clamp at 7
STEPS = 800
# A more peaked chain than make_fixtures.py's (top-1/top-2 = log 12 instead of log 3 when
# trained): MXFP4's 4-bit experts move logits far more than q8_0 does, and the acceptance
# asks >= 95% top-1 agreement for them.
CHAIN_P = (0.84, 0.07, 0.05, 0.04)
ALPHA, LIMIT = 1.702, 7.0

CFG = dict(vocab_size=512, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, head_dim=16,
           num_local_experts=4, num_experts_per_tok=2, sliding_window=WINDOW,
           layer_types=["sliding_attention", "full_attention"],
           max_position_embeddings=4096, rms_norm_eps=1e-5, tie_word_embeddings=False,
           attention_bias=True, attention_dropout=0.0, router_aux_loss_coef=0.0,
           output_router_logits=False, swiglu_limit=LIMIT)
ROPE = dict(rope_type="yarn", rope_theta=150000.0, factor=8.0, beta_fast=32.0, beta_slow=1.0,
            original_max_position_embeddings=64, truncate=False)


def build_config():
    """The config in the new dialect (rope_parameters), falling back to rope_scaling."""
    try:
        return mf.make_config("gpt_oss", dict(CFG, rope_parameters=dict(ROPE))), "rope_parameters"
    except Exception:  # noqa: BLE001 -- older transformers: the old dialect
        rs = {k: v for k, v in ROPE.items() if k != "rope_theta"}
        return mf.make_config("gpt_oss", dict(CFG, rope_theta=ROPE["rope_theta"], rope_scaling=rs)), "rope_scaling"


def init_std(name, shape, hidden, inter):
    """Init rule per parameter (make_fixtures.py's, extended to the MoE tensors)."""
    if name.endswith("embed_tokens.weight") or name == "lm_head.weight":
        return ("normal", 0.0, mf.EMBED_STD)
    if name.endswith("bias"):
        return ("normal", 0.0, mf.NORM_STD)
    if name.endswith(".sinks"):
        return ("normal", SINK_MEAN, SINK_STD)
    if name.endswith("gate_up_proj"):
        return ("normal", 0.0, GATE_UP_GAIN / hidden ** 0.5)
    if name.endswith("experts.down_proj"):
        return ("normal", 0.0, mf.OUT_GAIN / inter ** 0.5)
    if len(shape) == 2:
        gain = mf.OUT_GAIN if ".o_proj." in name else 1.0
        return ("normal", 0.0, gain / shape[1] ** 0.5)
    if name.endswith("layernorm.weight") or name.endswith("norm.weight"):
        return ("normal", 1.0, mf.NORM_STD)
    raise RuntimeError("no init rule for %s %s" % (name, shape))


def init_weights(model, hidden, inter, seed):
    gen = torch.Generator().manual_seed(seed)
    rules = {}
    with torch.no_grad():
        for name, p in model.named_parameters():
            _, mean, std = init_std(name, tuple(p.shape), hidden, inter)
            rules[name] = [list(p.shape), mean, std]
            p.copy_(mean + torch.randn(p.shape, generator=gen) * std)
    return rules


def gpt_oss_frozen(model):
    """Attention (with its sinks) and the norms keep their init; embeddings, router,
    experts and head train (make_fixtures.frozen_params would freeze the experts,
    which are not nn.Linear)."""
    return {n for n, p in model.named_parameters()
            if ".self_attn." in "." + n or "norm" in n.rsplit(".", 2)[-2]}


# ----------------------------------------------------------------------------
# An independent transcription of the architecture over the saved tensors.
# ----------------------------------------------------------------------------

def yarn_inv_freq(head_dim, rp, truncate):
    base, factor, orig = rp["rope_theta"], rp["factor"], rp["original_max_position_embeddings"]
    dim = head_dim
    pos = base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    extra, inter = 1.0 / pos, 1.0 / (factor * pos)

    def corr(rot):
        return dim * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(base))
    lo, hi = corr(rp["beta_fast"]), corr(rp["beta_slow"])
    if truncate:
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, dim - 1)
    if lo == hi:
        hi += 0.001
    ramp = ((torch.arange(dim // 2, dtype=torch.float64) - lo) / (hi - lo)).clamp(0, 1)
    keep = 1 - ramp  # 1: extrapolate (high frequency, kept), 0: interpolate (divided by factor)
    inv = inter * (1 - keep) + extra * keep
    mscale = 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0
    return inv, mscale


def reference_forward(sd, cfg, rp, ids, gate_up="interleaved", truncate=False, expert_fn=None, stats=None,
                      window_delta=0):
    """float64 logits [T, vocab] from the state dict `sd` (names as saved)."""
    d = {k: v.double() for k, v in sd.items()}
    H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    E, k_top, eps = cfg["num_local_experts"], cfg["num_experts_per_tok"], cfg["rms_norm_eps"]
    T = len(ids)
    x = d["model.embed_tokens.weight"][torch.tensor(ids)]
    inv, msc = yarn_inv_freq(hd, rp, truncate)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(ang) * msc, torch.sin(ang) * msc

    def rope(v):  # [T, heads, hd], halves pairing
        a, b = v[..., : hd // 2], v[..., hd // 2:]
        c, s = cos[:, None, :], sin[:, None, :]
        return torch.cat([a * c - b * s, b * c + a * s], dim=-1)

    def rms(v, w):
        return v / torch.sqrt((v * v).mean(-1, keepdim=True) + eps) * w

    clamped, total = 0, 0
    for li, kind in enumerate(cfg["layer_types"]):
        p = "model.layers.%d." % li
        h = rms(x, d[p + "input_layernorm.weight"])
        q = (h @ d[p + "self_attn.q_proj.weight"].T + d[p + "self_attn.q_proj.bias"]).view(T, H, hd)
        kk = (h @ d[p + "self_attn.k_proj.weight"].T + d[p + "self_attn.k_proj.bias"]).view(T, KV, hd)
        vv = (h @ d[p + "self_attn.v_proj.weight"].T + d[p + "self_attn.v_proj.bias"]).view(T, KV, hd)
        q, kk = rope(q), rope(kk)
        out = torch.zeros(T, H, hd, dtype=torch.float64)
        sinks = d[p + "self_attn.sinks"]
        for t in range(T):
            lo = max(0, t - (cfg["sliding_window"] + window_delta) + 1) if kind == "sliding_attention" else 0
            for hh in range(H):
                g = hh // (H // KV)
                sc = (kk[lo:t + 1, g] @ q[t, hh]) / math.sqrt(hd)
                m = max(float(sc.max()), float(sinks[hh]))
                e = torch.exp(sc - m)
                den = e.sum() + math.exp(float(sinks[hh]) - m)
                out[t, hh] = (e / den) @ vv[lo:t + 1, g]
        x = x + out.reshape(T, H * hd) @ d[p + "self_attn.o_proj.weight"].T + d[p + "self_attn.o_proj.bias"]
        h = rms(x, d[p + "post_attention_layernorm.weight"])
        logits_r = h @ d[p + "mlp.router.weight"].T + d[p + "mlp.router.bias"]
        top_v, top_i = torch.topk(logits_r, k_top, dim=-1)
        wts = torch.softmax(top_v, dim=-1)
        gu_w, gu_b = d[p + "mlp.experts.gate_up_proj"], d[p + "mlp.experts.gate_up_proj_bias"]
        dn_w, dn_b = d[p + "mlp.experts.down_proj"], d[p + "mlp.experts.down_proj_bias"]
        if expert_fn is not None:
            gu_w, dn_w = expert_fn(gu_w), expert_fn(dn_w)
        y = torch.zeros_like(x)
        for t in range(T):
            for j in range(k_top):
                e_i = int(top_i[t, j])
                gu = h[t] @ gu_w[e_i] + gu_b[e_i]  # [2I]
                if gate_up == "interleaved":
                    gate, up = gu[0::2], gu[1::2]
                else:
                    gate, up = gu[: gu.shape[0] // 2], gu[gu.shape[0] // 2:]
                clamped += int((gate > LIMIT).sum() + (up.abs() > LIMIT).sum())
                total += gate.numel() + up.numel()
                gate, up = gate.clamp(max=LIMIT), up.clamp(-LIMIT, LIMIT)
                act = (up + 1) * gate * torch.sigmoid(gate * ALPHA)
                y[t] += wts[t, j] * (act @ dn_w[e_i] + dn_b[e_i])
        x = x + y
    x = rms(x, d["model.norm.weight"])
    if stats is not None:
        stats["clamped_fraction"] = clamped / max(total, 1)
    return x @ d["lm_head.weight"].T


# ----------------------------------------------------------------------------
# MXFP4 (OCP Microscaling Formats v1.0): blocks of 32 E2M1 values sharing an E8M0 scale.
# ----------------------------------------------------------------------------

E2M1 = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0], dtype=torch.float64)


def mxfp4_round(w_in_last):
    """Quantize-dequantize along the last dim (the matmul's input dim) in blocks of 32."""
    shp = w_in_last.shape
    b = w_in_last.reshape(-1, 32)
    amax = b.abs().amax(-1, keepdim=True)
    e = torch.where(amax > 0, torch.floor(torch.log2(amax.clamp(min=1e-300))) - 2, torch.zeros_like(amax))
    scale = torch.pow(2.0, e.clamp(-127, 127))
    v = (b / scale).abs().clamp(max=6.0)
    idx = (v[..., None] - E2M1).abs().argmin(-1)
    return (torch.sign(b) * E2M1[idx] * scale).reshape(shp)


def mxfp4_experts(w):
    """Experts are [E, in, out] (x @ w): quantize along `in`."""
    return mxfp4_round(w.transpose(1, 2).contiguous()).transpose(1, 2)


# ----------------------------------------------------------------------------

def old_dialect(saved):
    c = {k: v for k, v in saved.items() if k not in ("rope_parameters", "rope_scaling", "rope_theta")}
    rp = dict(saved["rope_parameters"])
    c["rope_theta"] = rp.pop("rope_theta")
    c["rope_scaling"] = rp
    return c


def load_safetensors(path):
    from safetensors.torch import load_file
    return load_file(path)


def top1_agreement(a, b):
    return float((a.argmax(-1) == b.argmax(-1)).double().mean())


def make(out_dir, steps):
    folder = os.path.join(out_dir, "hf", NAME)
    os.makedirs(folder, exist_ok=True)
    cfg, dialect_built = build_config()
    model = mf.AutoModelForCausalLM.from_config(cfg, attn_implementation="eager").float().eval()
    hidden, inter = CFG["hidden_size"], CFG["intermediate_size"]
    rules = init_weights(model, hidden, inter, SEED)
    vocab = mf.vocab_of(model)
    mf.CHAIN_P = CHAIN_P  # sample_chain reads the chain's probabilities from its module
    succ = mf.make_chain(vocab, 5000 + SEED)
    mf.frozen_params = gpt_oss_frozen  # the training loop's freezing rule for this family
    t0 = time.time()
    loss0, loss1, n_frozen = mf.train(model, succ, steps, 6000 + SEED)
    train_s = time.time() - t0
    gen = torch.Generator().manual_seed(7000 + SEED)
    ids = [int(t) for t in mf.sample_chain(succ, 1, N_INPUT, gen)[0]]
    eval_ids = mf.sample_chain(succ, mf.N_EVAL, mf.N_INPUT, gen).tolist()
    ref = mf.logits_of(model, ids)

    model.save_pretrained(folder)
    gc_path = os.path.join(folder, "generation_config.json")
    if os.path.exists(gc_path):
        os.remove(gc_path)
    cfg_path = os.path.join(folder, "config.json")
    with open(cfg_path) as f:
        saved = json.load(f)
    info = {"model_type": "gpt_oss", "built_with": dialect_built, "vocab": vocab, "init": rules,
            "chain_p": list(CHAIN_P), "window": WINDOW, "n_input": N_INPUT,
            "train": {"steps": steps, "first_loss": loss0, "final_loss": loss1, "frozen_tensors": n_frozen,
                      "seconds": round(train_s, 1)}}
    final = mf.load_folder(folder)
    logits = mf.logits_of(final, ids)
    info["reload_max_abs_diff"] = float((logits - ref).abs().max())
    if info["reload_max_abs_diff"] > mf.SAME_TOL:
        raise RuntimeError("reloaded folder differs from the built model by %g" % info["reload_max_abs_diff"])

    # The old dialect: kept beside config.json only when HF reads it as the same model.
    try:
        old = old_dialect(saved)
        with open(cfg_path, "w") as f:
            json.dump(old, f, indent=2, sort_keys=True)
        d_old = float((mf.logits_of(mf.load_folder(folder), ids) - logits).abs().max())
    except Exception as e:  # noqa: BLE001
        d_old, old = float("inf"), None
        info["old_dialect_error"] = repr(e)
    with open(cfg_path, "w") as f:
        json.dump(saved, f, indent=2, sort_keys=True)
    info["old_dialect_max_abs_diff"] = d_old
    if old is not None and d_old <= mf.SAME_TOL:
        with open(os.path.join(folder, "config_old_dialect.json"), "w") as f:
            json.dump(old, f, indent=2, sort_keys=True)

    logits.contiguous().numpy().astype("<f4").tofile(os.path.join(folder, "logits.bin"))
    toks, margins = mf.greedy(final, ids, mf.N_GREEDY)
    with open(os.path.join(folder, "tokens.json"), "w") as f:
        json.dump({"input": ids, "greedy": toks, "greedy_margin": margins, "eval": eval_ids}, f)
    with torch.no_grad():
        hs = final(input_ids=torch.tensor([ids]), use_cache=False, output_hidden_states=True).hidden_states
    torch.stack([h[0] for h in hs]).float().numpy().astype("<f4").tofile(os.path.join(folder, "hidden.bin"))

    # Independent reading of the saved tensors.
    sd = load_safetensors(os.path.join(folder, "model.safetensors"))
    info["tensors"] = {k: list(v.shape) for k, v in sorted(sd.items())}
    rp = saved.get("rope_parameters") or dict(saved.get("rope_scaling") or {}, rope_theta=saved.get("rope_theta"))
    conf = dict(saved)
    stats = {}
    variants = {}
    for name, kw in (("interleaved,no-truncate", dict(gate_up="interleaved", truncate=False)),
                     ("halves,no-truncate", dict(gate_up="halves", truncate=False)),
                     ("interleaved,truncate", dict(gate_up="interleaved", truncate=True)),
                     ("interleaved,window+1", dict(gate_up="interleaved", window_delta=1))):
        try:
            r = reference_forward(sd, conf, rp, ids, stats=stats if not variants else None, **kw)
            variants[name] = float((r - logits.double()).abs().max())
        except Exception as e:  # noqa: BLE001
            variants[name] = repr(e)
    info["independent_forward"] = variants
    info["clamped_fraction"] = stats.get("clamped_fraction")
    try:
        q = reference_forward(sd, conf, rp, ids, expert_fn=mxfp4_experts)
        info["mxfp4_experts_top1_vs_hf"] = top1_agreement(q, logits.double())
        info["mxfp4_experts_max_abs_dlogit"] = float((q - logits.double()).abs().max())
    except Exception as e:  # noqa: BLE001
        info["mxfp4_error"] = repr(e)
    info["config"] = saved
    info["logit_absmax"] = float(logits.abs().max())
    info["logit_std"] = float(logits.std())
    info["min_greedy_margin"] = min(margins)
    top2 = torch.topk(logits, 2, dim=-1).values
    info["input_margin_min"] = float((top2[:, 0] - top2[:, 1]).min())
    info["input_margin_median"] = float((top2[:, 0] - top2[:, 1]).median())
    info["files"] = sorted(os.listdir(folder))
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tar", default=None)
    ap.add_argument("--steps", type=int, default=STEPS)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    manifest = {"transformers": mf.transformers.__version__, "torch": torch.__version__,
                "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                "n_input": N_INPUT, "n_greedy": mf.N_GREEDY, "fixtures": {}, "failed": {}}
    try:
        info = make(args.out, args.steps)
        manifest["fixtures"][NAME] = info
        brief = {k: v for k, v in info.items() if k not in ("init", "tensors", "config")}
        print(json.dumps(brief, indent=1, default=str), flush=True)
    except Exception:  # noqa: BLE001
        manifest["failed"][NAME] = traceback.format_exc()
        print(manifest["failed"][NAME], flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "manifest_gpt_oss.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True, default=str)
    if args.tar:
        with tarfile.open(args.tar, "w") as t:
            t.add(args.out, arcname="fixtures")
    return 0 if not manifest["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
