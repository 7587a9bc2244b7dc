#!/usr/bin/env python3
"""Logits of a StreamingLLM pos-shift cache (attention sinks + recent window),
computed with Hugging Face transformers, for every RoPE/ALiBi fixture in
tests/fixtures/hf: the oracle planned for an e2e test of `sink:S:W` (not yet
run: it needs transformers; see docs/reliability.md, Independent oracles).

The cache, as StreamingLLM runs it (and as sinkstream's `sink:S:W` documents):
it holds at most S + W tokens; before token t is added to a full cache, the
oldest non-sink token (cache index S) is dropped. Every token attends to the
tokens in the cache, itself included, with positions given by cache index
("pos-shift"): cache slot c holds its key rotated to position c, and the query
of the token being added sits at position n (the number of tokens held before
it). The keys and values of a token are those computed when it was added (with
the context it saw then); eviction never recomputes them.

How it is done with transformers: the model runs one token per step with a
DynamicCache built by this script. For each held token the script keeps the
key/value states the model produced for it (post-RoPE at its "birth" position
b, the position it had when it was added) and, every step, re-rotates each key
to its current cache index c by the RoPE rotation of angle (c - b) * inv_freq,
with inv_freq taken from the model's own rotary module (so llama3 / linear
scaling and partial rotary are the model's) and HF's rotate_half pairing
(dims i and i + r/2 of the first r rotary dims). ALiBi (MPT) needs no rotation:
MPT's bias depends only on a key's index in the cache.
This is not the same as recomputing the window from scratch each step (that
would recompute the deeper layers' keys with the evicted tokens gone).

Checks it records (manifest.json): before the first eviction the stepwise
logits must equal one full forward over the same prefix (max |diff|), and the
rotary module's attention scaling must be 1.

Usage (transformers 5, torch): python3 streaming_oracle.py --fixtures tests/fixtures/hf
  --out DIR [--sinks 4] [--window 12] [--tokens 80]
Writes DIR/<name>/logits.bin (f32 little-endian [tokens, vocab]) and
DIR/<name>/ids.json, and DIR/manifest.json.
"""

import argparse
import inspect
import json
import os
import sys
import time
import traceback

import torch
import transformers
from transformers import AutoModelForCausalLM, DynamicCache

ROPE_OR_ALIBI = ["llama", "llama_linear", "mistral", "qwen2", "qwen3", "gpt_neox", "gpt_neox_seq", "falcon", "mpt"]


def fixture_ids(folder, n_tokens, vocab):
    """The fixture's 48 input ids, its 16 greedy ids, then the LCG stream of
    tests/e2e/hf_policy_test.cpp (HfPolicyLong) up to n_tokens ids."""
    with open(os.path.join(folder, "tokens.json")) as f:
        t = json.load(f)
    ids = list(t["input"]) + list(t["greedy"])
    x = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    while len(ids) < n_tokens:
        x = (x * 6364136223846793005 + 1442695040888963407) & mask
        ids.append((x >> 33) % vocab)
    return ids[:n_tokens]


def rotary_modules(model):
    return [m for _, m in model.named_modules() if isinstance(getattr(m, "inv_freq", None), torch.Tensor)]


def layer_kv(cache, layer):
    """(keys, values) [1, n_kv_heads, seq, head_dim] of one layer of a DynamicCache."""
    if hasattr(cache, "layers"):
        return cache.layers[layer].keys, cache.layers[layer].values
    return cache.key_cache[layer], cache.value_cache[layer]


def rotate(k, delta, inv_freq):
    """k: [n_kv_heads, head_dim], rotated by `delta` positions (HF rotate_half
    convention on the first 2 * len(inv_freq) dims)."""
    if delta == 0 or inv_freq is None:
        return k
    r = 2 * inv_freq.numel()
    ang = float(delta) * inv_freq.to(torch.float64)
    cos = torch.cat([ang.cos(), ang.cos()]).to(k.dtype)
    sin = torch.cat([ang.sin(), ang.sin()]).to(k.dtype)
    x = k[..., :r]
    half = r // 2
    rot_half = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return torch.cat([x * cos + rot_half * sin, k[..., r:]], dim=-1)


def run_fixture(folder, sinks, window, n_tokens, dtype):
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=dtype)
    model.eval()
    cfg = model.config
    ids = fixture_ids(folder, n_tokens, cfg.vocab_size)
    rots = rotary_modules(model)
    inv_freq = None
    if rots:
        inv_freq = rots[0].inv_freq.detach().to(torch.float64).cpu()
        for m in rots[1:]:
            assert torch.equal(m.inv_freq.detach().to(torch.float64).cpu(), inv_freq), "rotary modules differ"
        scale = float(getattr(rots[0], "attention_scaling", 1.0))
        assert scale == 1.0, f"attention_scaling {scale} != 1: a delta rotation would scale twice"
    accepts = set(inspect.signature(model.forward).parameters)
    n_layer = cfg.num_hidden_layers if hasattr(cfg, "num_hidden_layers") else cfg.n_layers

    held = []  # [{"birth": b, "k": [layer -> [H, D]], "v": [...]}] in cache order
    logits = []
    evictions = 0
    with torch.no_grad():
        for t, tok in enumerate(ids):
            if len(held) == sinks + window:
                del held[sinks]
                evictions += 1
            n = len(held)
            cache = DynamicCache()
            if n:
                for layer in range(n_layer):
                    k = torch.stack([rotate(h["k"][layer], c - h["birth"], inv_freq) for c, h in enumerate(held)], 1)
                    v = torch.stack([h["v"][layer] for h in held], 1)
                    cache.update(k.unsqueeze(0), v.unsqueeze(0), layer)
            kw = {"input_ids": torch.tensor([[tok]]), "past_key_values": cache, "use_cache": True,
                  "attention_mask": torch.ones(1, n + 1, dtype=torch.long)}
            if "position_ids" in accepts:
                kw["position_ids"] = torch.tensor([[n]])
            out = model(**kw)
            logits.append(out.logits[0, -1].to(torch.float64))
            new = {"birth": n, "k": [], "v": []}
            for layer in range(n_layer):
                k, v = layer_kv(out.past_key_values, layer)
                assert k.shape[2] == n + 1, f"layer {layer}: cache holds {k.shape[2]} keys, expected {n + 1}"
                new["k"].append(k[0, :, n].clone())
                new["v"].append(v[0, :, n].clone())
            held.append(new)
        full = model(input_ids=torch.tensor([ids[: sinks + window]])).logits[0].to(torch.float64)
    step = torch.stack(logits)
    pre_diff = float((step[: sinks + window] - full).abs().max())
    return ids, step, {"pre_eviction_max_abs_diff_vs_full_forward": pre_diff, "evictions": evictions,
                       "vocab": cfg.vocab_size, "rope_dims": 0 if inv_freq is None else 2 * inv_freq.numel(),
                       "logit_absmax": float(step.abs().max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", required=True, help="tests/fixtures/hf")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--sinks", type=int, default=4, help="sink tokens kept (S)")
    ap.add_argument("--window", type=int, default=12, help="recent tokens kept (W)")
    ap.add_argument("--tokens", type=int, default=80, help="stream length")
    ap.add_argument("--only", default="", help="comma-separated fixture names")
    a = ap.parse_args()
    torch.set_num_threads(2)
    names = a.only.split(",") if a.only else ROPE_OR_ALIBI
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__, "dtype": "float64",
                "policy": f"sink:{a.sinks}:{a.window}", "tokens": a.tokens, "fixtures": {}, "failed": {}}
    for name in names:
        t0 = time.time()
        try:
            ids, step, info = run_fixture(os.path.join(a.fixtures, name), a.sinks, a.window, a.tokens, torch.float64)
        except Exception:
            manifest["failed"][name] = traceback.format_exc()
            print(f"{name}: FAILED\n{manifest['failed'][name]}", flush=True)
            continue
        d = os.path.join(a.out, name)
        os.makedirs(d, exist_ok=True)
        step.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, "logits.bin"))
        with open(os.path.join(d, "ids.json"), "w") as f:
            json.dump({"policy": manifest["policy"], "ids": ids}, f)
        info["seconds"] = round(time.time() - t0, 2)
        manifest["fixtures"][name] = info
        print(name, json.dumps(info), flush=True)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return 1 if manifest["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
