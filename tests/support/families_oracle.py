#!/usr/bin/python3
"""Tiny random models of the sliding-window families and their logits, computed
here in float64 numpy from the model definitions (transformers' modeling code for
Gemma 2, Gemma 3 text, Phi-3 and Mistral, restated independently of sinkstream):
the oracle of tests/e2e/families_test.cpp until transformers-made fixtures exist.

Usage: families_oracle.py OUT_DIR NAME   (NAME: see CONFIGS)
Writes OUT_DIR/config.json, model.safetensors (f32), ids.json ([N] input ids) and
logits.bin (f32 [N, vocab], little-endian).

What each definition does (per layer; x is the residual stream [N, D]):
  gemma2/3: x = E[ids] * f32(sqrt(D)); h = x + PostAttnNorm(Attn(InNorm(x)));
            x = h + PostFfnNorm(down(gelu_tanh(gate h') * up h')), h' = PreFfnNorm(h);
            Norm(v) = v / sqrt(mean(v^2) + eps) * (1 + w); scores scaled by
            query_pre_attn_scalar^-0.5, then (gemma2) cap * tanh(s / cap);
            logits = Norm(x) E^T, then (gemma2) capped; gemma3 normalizes q and k
            per head with (1 + w) before RoPE; local layers use their own RoPE base.
  phi3:     llama block, q/k/v and gate/up fused, LongRoPE: inv_freq_i =
            1 / (factor_i * base^(2i/d)) with the long factors when
            max_position_embeddings > original_max_position_embeddings and the input
            is longer than the original context, cos and sin times the attention factor
            sqrt(1 + ln(max/orig) / ln(orig)).
  mistral:  llama block.
Every RoPE pairs dimension i with i + d/2 (HF's rotate_half). A layer with window
W lets query i see keys j with i - W < j <= i.
"""
import json
import math
import struct
import sys

import numpy as np

N = 256  # input tokens: longer than every window below

CONFIGS = {
    "gemma2": dict(model_type="gemma2", architectures=["Gemma2ForCausalLM"], vocab_size=512, hidden_size=64,
                   intermediate_size=128, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=16, max_position_embeddings=1024, rms_norm_eps=1e-6, tie_word_embeddings=True,
                   hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=24, sliding_window=32,
                   attn_logit_softcapping=2.0, final_logit_softcapping=30.0,
                   layer_types=["sliding_attention", "full_attention", "sliding_attention"], rope_theta=10000.0),
    # transformers 5 dialect: per-layer-type rope_parameters; the global layer with linear scaling.
    "gemma3": dict(model_type="gemma3_text", architectures=["Gemma3ForCausalLM"], vocab_size=512, hidden_size=64,
                   intermediate_size=128, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=16, max_position_embeddings=1024, rms_norm_eps=1e-6, tie_word_embeddings=True,
                   hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=16, sliding_window=32,
                   layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                   rope_parameters={"full_attention": {"rope_type": "linear", "rope_theta": 1000000.0, "factor": 8.0},
                                    "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}),
    # older dialect: rope_theta + rope_local_base_freq, the default pattern (5 local : 1 global) over 6 layers.
    "gemma3_old": dict(model_type="gemma3_text", architectures=["Gemma3ForCausalLM"], vocab_size=384, hidden_size=48,
                       intermediate_size=96, num_hidden_layers=6, num_attention_heads=2, num_key_value_heads=1,
                       head_dim=32, max_position_embeddings=1024, rms_norm_eps=1e-6, tie_word_embeddings=True,
                       hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=32, sliding_window=40,
                       sliding_window_pattern=6, rope_theta=1000000.0, rope_local_base_freq=10000.0),
    "phi3": dict(model_type="phi3", architectures=["Phi3ForCausalLM"], vocab_size=512, hidden_size=64,
                 intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 max_position_embeddings=1024, original_max_position_embeddings=64, rms_norm_eps=1e-5,
                 tie_word_embeddings=False, sliding_window=48, hidden_act="silu", rope_theta=10000.0,
                 rope_scaling={"type": "longrope", "short_factor": [1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0],
                               "long_factor": [1.0, 1.5, 2.5, 4.0, 6.0, 9.0, 12.0, 16.0]}),
    "mistral_swa": dict(model_type="mistral", architectures=["MistralForCausalLM"], vocab_size=512, hidden_size=64,
                        intermediate_size=160, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                        head_dim=16, max_position_embeddings=1024, rms_norm_eps=1e-5, tie_word_embeddings=False,
                        sliding_window=32, hidden_act="silu", rope_theta=10000.0),
}


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + np.exp(-x))


def rms(v, w, eps, plus_one):
    return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps) * ((1.0 + w) if plus_one else w)


def rope(x, pos, inv_freq, mscale):
    """x [N, heads, d]: halves pairing (rotate_half), cos/sin times mscale."""
    d = x.shape[-1]
    ang = pos[:, None] * inv_freq[None, :]                     # [N, d/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], -1)[:, None, :] * mscale
    sin = np.concatenate([np.sin(ang), np.sin(ang)], -1)[:, None, :] * mscale
    rot = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], -1)
    return x * cos + rot * sin


def layer_windows(c):
    L, w = c["num_hidden_layers"], c.get("sliding_window") or 0
    if "layer_types" in c:
        return [w if t == "sliding_attention" else 0 for t in c["layer_types"]]
    if c["model_type"] == "gemma3_text":
        p = c.get("sliding_window_pattern", 6)
        return [w if (i + 1) % p else 0 for i in range(L)]
    return [w] * L


def rope_tables(c, n):
    """Per layer: (inv_freq [d/2], mscale)."""
    d = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    base_inv = lambda theta: 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float64) / d)
    wins = layer_windows(c)
    out = []
    for l in range(c["num_hidden_layers"]):
        if c["model_type"] == "gemma3_text":
            if "rope_parameters" in c:
                rp = c["rope_parameters"]["sliding_attention" if wins[l] else "full_attention"]
                inv = base_inv(rp["rope_theta"])
                if rp.get("rope_type") == "linear":
                    inv = inv / rp["factor"]
            else:
                inv = base_inv(c["rope_local_base_freq"] if wins[l] else c["rope_theta"])
            out.append((inv, 1.0))
        elif c["model_type"] == "phi3":
            rs, orig, mx = c["rope_scaling"], c["original_max_position_embeddings"], c["max_position_embeddings"]
            ext = np.array(rs["long_factor"] if n > orig else rs["short_factor"], dtype=np.float64)
            scale = mx / orig
            ms = 1.0 if scale <= 1.0 else math.sqrt(1.0 + math.log(scale) / math.log(orig))
            out.append((base_inv(c["rope_theta"]) / ext, ms))
        else:
            out.append((base_inv(c["rope_theta"]), 1.0))
    return out


def make_weights(c, rng):
    D, F, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    H, KV = c["num_attention_heads"], c["num_key_value_heads"]
    d = c.get("head_dim") or D // H
    gemma = c["model_type"].startswith("gemma")
    nrm = lambda n: (rng.standard_normal(n) * 0.1) if gemma else (1.0 + rng.standard_normal(n) * 0.1)
    mat = lambda o, i, g=1.0: rng.standard_normal((o, i)) * g / math.sqrt(i)
    w = {"model.embed_tokens.weight": rng.standard_normal((V, D)) * 0.5, "model.norm.weight": nrm(D)}
    if not c["tie_word_embeddings"]:  # a classifier near the embedding, so that top-1 is clear
        w["lm_head.weight"] = w["model.embed_tokens.weight"] + rng.standard_normal((V, D)) * 0.1
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        w[p + "input_layernorm.weight"] = nrm(D)
        w[p + "post_attention_layernorm.weight"] = nrm(D)
        q, k, v = mat(H * d, D), mat(KV * d, D), mat(KV * d, D)
        gate, up = mat(F, D), mat(F, D)
        if c["model_type"] == "phi3":
            w[p + "self_attn.qkv_proj.weight"] = np.concatenate([q, k, v])
            w[p + "mlp.gate_up_proj.weight"] = np.concatenate([gate, up])
        else:
            w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"] = q, k
            w[p + "self_attn.v_proj.weight"] = v
            w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"] = gate, up
        w[p + "self_attn.o_proj.weight"] = mat(D, H * d, 0.5)
        w[p + "mlp.down_proj.weight"] = mat(D, F, 0.5)
        if gemma:
            w[p + "pre_feedforward_layernorm.weight"] = nrm(D)
            w[p + "post_feedforward_layernorm.weight"] = nrm(D)
        if c["model_type"] == "gemma3_text":
            w[p + "self_attn.q_norm.weight"] = nrm(d)
            w[p + "self_attn.k_norm.weight"] = nrm(d)
    return {k: v.astype(np.float32) for k, v in w.items()}


def forward(c, w, ids):
    W = {k: v.astype(np.float64) for k, v in w.items()}
    D, H, KV = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    d = c.get("head_dim") or D // H
    n = len(ids)
    eps = c["rms_norm_eps"]
    mt = c["model_type"]
    gemma = mt.startswith("gemma")
    x = W["model.embed_tokens.weight"][ids]
    if gemma:
        x = x * float(np.float32(math.sqrt(D)))
    pos = np.arange(n, dtype=np.float64)
    tables, wins = rope_tables(c, n), layer_windows(c)
    scale = c["query_pre_attn_scalar"] ** -0.5 if gemma else d ** -0.5
    cap = c.get("attn_logit_softcapping") or 0.0
    i_idx, j_idx = np.arange(n)[:, None], np.arange(n)[None, :]
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms(x, W[p + "input_layernorm.weight"], eps, gemma)
        if mt == "phi3":
            q, k, v = np.split(h @ W[p + "self_attn.qkv_proj.weight"].T, [H * d, H * d + KV * d], axis=-1)
        else:
            q, k, v = (h @ W[p + "self_attn.%s_proj.weight" % s].T for s in "qkv")
        q, k, v = q.reshape(n, H, d), k.reshape(n, KV, d), v.reshape(n, KV, d)
        if mt == "gemma3_text":
            q = rms(q, W[p + "self_attn.q_norm.weight"], eps, True)
            k = rms(k, W[p + "self_attn.k_norm.weight"], eps, True)
        inv, ms = tables[l]
        q, k = rope(q, pos, inv, ms), rope(k, pos, inv, ms)
        k, v = np.repeat(k, H // KV, axis=1), np.repeat(v, H // KV, axis=1)
        s = np.einsum("ihd,jhd->hij", q, k) * scale
        if cap:
            s = cap * np.tanh(s / cap)
        visible = j_idx <= i_idx
        if wins[l]:
            visible &= j_idx > i_idx - wins[l]
        s = np.where(visible[None], s, -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        o = np.einsum("hij,jhd->ihd", s, v).reshape(n, H * d) @ W[p + "self_attn.o_proj.weight"].T
        if gemma:
            x = x + rms(o, W[p + "post_attention_layernorm.weight"], eps, True)
            h = rms(x, W[p + "pre_feedforward_layernorm.weight"], eps, True)
            f = gelu_tanh(h @ W[p + "mlp.gate_proj.weight"].T) * (h @ W[p + "mlp.up_proj.weight"].T)
            x = x + rms(f @ W[p + "mlp.down_proj.weight"].T, W[p + "post_feedforward_layernorm.weight"], eps, True)
        else:
            x = x + o
            h = rms(x, W[p + "post_attention_layernorm.weight"], eps, False)
            if mt == "phi3":
                g, u = np.split(h @ W[p + "mlp.gate_up_proj.weight"].T, 2, axis=-1)
            else:
                g, u = h @ W[p + "mlp.gate_proj.weight"].T, h @ W[p + "mlp.up_proj.weight"].T
            x = x + (silu(g) * u) @ W[p + "mlp.down_proj.weight"].T
    x = rms(x, W["model.norm.weight"], eps, gemma)
    head = W["model.embed_tokens.weight"] if c["tie_word_embeddings"] else W["lm_head.weight"]
    logits = x @ head.T
    fcap = c.get("final_logit_softcapping") or 0.0
    if fcap:
        logits = fcap * np.tanh(logits / fcap)
    return logits


def write_safetensors(path, tensors):
    """tensors: name -> array; uint8 arrays are written as U8, everything else as F32."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        u8 = tensors[name].dtype == np.uint8
        b = np.ascontiguousarray(tensors[name], dtype=np.uint8 if u8 else "<f4").tobytes()
        header[name] = {"dtype": "U8" if u8 else "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out, name = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else N  # input tokens (phi3: <= 64 takes the short factors)
    c = CONFIGS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    w = make_weights(c, rng)
    ids = rng.integers(0, c["vocab_size"], n).tolist()
    with open(out + "/config.json", "w") as f:
        json.dump(c, f, indent=1)
    write_safetensors(out + "/model.safetensors", w)
    with open(out + "/ids.json", "w") as f:
        json.dump(ids, f)
    forward(c, w, ids).astype("<f4").tofile(out + "/logits.bin")


if __name__ == "__main__":
    main()
