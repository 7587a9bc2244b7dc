#!/usr/bin/env python3
"""Builds tiny Hugging Face models of each architecture sinkstream supports and
dumps oracle outputs for the end-to-end tests.

Runs where HF transformers (5.x) and torch are installed (the GPU machine).
Each model is initialised from a fixed seed, then briefly trained (on the GPU
when there is one) on a synthetic Markov-chain language drawn from a fixed seed
(see "Why the models are trained" below). The oracle outputs are computed on the
CPU in float32 from the saved folder, so they do not depend on TF32 or GPU
kernels; a rerun on other hardware may give weights that differ in the last
bits (GPU training is not bit-reproducible), which is why the fixtures, not this
script, are the oracle.

For each fixture <name> it writes <out>/hf/<name>/:
  config.json         as saved by transformers, or rewritten to the older
                      config dialect (top-level rope_theta / rope_scaling /
                      rotary_pct / rotary_emb_base) -- only when HF reloads the
                      rewritten folder to exactly the same logits
  model.safetensors   the weights (f32)
  logits.bin          f32 little-endian [n, vocab]: logits of the n input tokens
                      (n = 48; 256 for the sliding-window families, whose windows
                      of 32-48 tokens must be shorter than the input)
  tokens.json         {"input": [n ids], "greedy": [16 ids], "greedy_margin": [16],
                       "eval": [32 x [48 ids]] (8 x [256 ids] when n = 256)}
                      input = a sample of the model's training chain;
                      greedy = argmax continuation recomputed from scratch each step;
                      greedy_margin = top1 - top2 logit at each greedy step;
                      eval = 32 more samples of the chain (no oracle outputs), on
                      which the GGUF test measures q8_0 against sinkstream's f32
and <out>/manifest.json describing what was made (dialects, versions, checks,
training losses).
With --tar FILE it also packs <out> into one tar file.

Usage: python3 make_fixtures.py --out DIR [--tar FILE] [--only name,name] [--steps N]

Why the models are trained
--------------------------
The GGUF test asks that q8_0 keep top-1 agreement >= 95% over the 48 positions.
A model with random weights cannot promise that: its logits over the vocabulary
are close to i.i.d. Gaussian, so the top-1/top-2 gap is ~ std/sqrt(2 ln V) on
average and exponentially distributed, i.e. often tiny, while q8_0's rounding of
the output matrix and of its input activations alone moves each logit by ~0.7%
of the logit std. Measured with sinkstream (q8_0 against f32, 960 positions per
model) on the earlier fixtures (every matrix N(0, 0.15^2)): 1-8% of positions
flipped (85-100% agreement on the 48 fixture positions), and ~1% still flipped
with both layers' outputs zeroed, i.e. from the output layer alone. Better
inits (matrices N(0, g^2/fan_in), smaller for those writing into the residual
stream) cut the layers' noise but not that floor: the best still flipped 1-3.5%,
and at small residual gains the tied-embedding models degenerate into repeating
their input token. So no init gets every fixture to >= 95% except by luck.
A real language model does not have the problem because it is confident: its
top-1 logit stands clear of the rest. So each model is trained for TRAIN_STEPS
steps on a synthetic language in which every token has CHAIN_K successors with
the fixed probabilities CHAIN_P (a random sparse Markov chain over the whole
vocabulary), and the 48-token input is a sample of that chain. Trained, the
top-1/top-2 gaps approach log(CHAIN_P[0] / CHAIN_P[1]) = log 3 (median ~1.1,
>= 0.13 at the fixtures' 48 positions) against q8_0 logit errors of at most
~0.35 (rms ~0.03): the fixtures made with this script agree 48/48, and 0-1 of
1,584 chain positions flip per model (0-5 of 1,584 on uniformly random ids).

Only the embeddings, the MLPs and the output head are trained; the attention
blocks and the norms keep their random init. A bigram chain needs no attention,
and a model trained on it whole learns to switch attention off (zeroing its
output then moved the logits by only 1-2% of their spread), so the f32 tests
would barely see the attention math (RoPE variants, ALiBi, GQA, biases, q/k
norms). Frozen, the first layer's attention moves the logits by 4-33% of their
spread (rms; the parallel-residual gpt_neox and falcon are the 4-5%), and
zeroing either layer's output projections by 27-129%, all >> the 1e-4 tolerance.
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
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

N_INPUT = 48
N_GREEDY = 16
N_EVAL = 32         # more chain samples (tokens.json "eval") for measuring q8_0 agreement
SAME_TOL = 1e-6     # "HF reads this folder as the same model" (a misread rope setting moves logits by >> 1e-3)

# Initialisation (before training), each tensor drawn from a fixed seed:
#  - token/position embeddings and the output head: N(0, EMBED_STD^2), logits of
#    std ~1.2 at hidden 64;
#  - matrices that read the residual stream (q/k/v, gate/up, fc): N(0, 1/fan_in),
#    so activations keep unit scale (LeCun);
#  - matrices that write into it (attention output, down/fc2): N(0, OUT_GAIN^2/fan_in)
#    with OUT_GAIN = 1/sqrt(2 n_layers), GPT-2's residual scaling.
# (The earlier fixtures used std 0.15 for every matrix: gains of 1.2-2.4 per
# matrix, which left ~1.5x more q8_0 rounding noise in the logits.)
EMBED_STD = 0.15
OUT_GAIN = 0.5      # 1/sqrt(2 * 2 layers)
NORM_STD = 0.1      # norm weights are 1 + N(0, NORM_STD); biases N(0, NORM_STD)
# Names (suffixes of module names) of the matrices that write into the residual stream.
OUT_PROJ = ("o_proj", "down_proj", "attention.dense", "self_attention.dense", "dense_4h_to_h",
            "attn.out_proj", "c_proj")

# Training on the synthetic chain (see the docstring). Parameters of modules whose
# path has one of ATTN_MODULES, and of modules that are not matrices (the norms),
# stay as initialised.
ATTN_MODULES = (".self_attn.", ".self_attention.", ".attention.", ".attn.")
CHAIN_K = 4
CHAIN_P = (0.6, 0.2, 0.12, 0.08)
TRAIN_STEPS = 600
TRAIN_BATCH = 32
TRAIN_SEQ = 64
TRAIN_LR = 1e-2     # AdamW, linear warm-up over 5% of the steps, cosine decay to 0


# ----------------------------------------------------------------------------
# Fixture definitions: name -> (model_type, config kwargs, old-dialect rewrite).
# Configs are built in the new dialect (rope_parameters); `old` names a rewrite
# of the saved config.json into the older dialect, or None to keep it as saved.
# ----------------------------------------------------------------------------

def fixture_specs():
    return {
        # Llama 3 style rope scaling; original context small so that all three
        # wavelength bands (kept, smoothed, scaled) occur with head_dim 16.
        "llama": dict(
            model_type="llama", seed=101, old=None,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                     max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=False,
                     attention_bias=False, mlp_bias=False,
                     rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=8.0,
                                          low_freq_factor=1.0, high_freq_factor=4.0,
                                          original_max_position_embeddings=64))),
        # Linear rope scaling in the old dialect ("type" key, top-level rope_theta),
        # 6 query heads over 2 kv heads, tied embeddings.
        "llama_linear": dict(
            model_type="llama", seed=102, old="llama_linear",
            cfg=dict(vocab_size=384, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                     num_attention_heads=6, num_key_value_heads=2, head_dim=8,
                     max_position_embeddings=256, rms_norm_eps=1e-6, tie_word_embeddings=True,
                     rope_parameters=dict(rope_type="linear", rope_theta=50000.0, factor=4.0))),
        # q_dim (4 x 32 = 128) differs from hidden (64); old dialect.
        "mistral": dict(
            model_type="mistral", seed=103, old="rope_theta",
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                     max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=False,
                     sliding_window=4096,
                     rope_parameters=dict(rope_type="default", rope_theta=1000000.0))),
        # q/k/v biases, tied embeddings; new dialect.
        "qwen2": dict(
            model_type="qwen2", seed=104, old=None,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2,
                     max_position_embeddings=256, rms_norm_eps=1e-6, tie_word_embeddings=True,
                     use_sliding_window=False,
                     rope_parameters=dict(rope_type="default", rope_theta=1000000.0))),
        # per-head q/k RMSNorm, explicit head_dim; old dialect with rope_scaling null.
        "qwen3": dict(
            model_type="qwen3", seed=105, old="rope_theta_null_scaling",
            cfg=dict(vocab_size=384, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                     max_position_embeddings=256, rms_norm_eps=1e-6, tie_word_embeddings=True,
                     attention_bias=False,
                     rope_parameters=dict(rope_type="default", rope_theta=1000000.0))),
        # Pythia: partial rotary 0.25, parallel residual; old dialect (rotary_pct, rotary_emb_base).
        "gpt_neox": dict(
            model_type="gpt_neox", seed=106, old="neox",
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                     num_attention_heads=4, max_position_embeddings=256, layer_norm_eps=1e-5,
                     hidden_act="gelu", use_parallel_residual=True, tie_word_embeddings=False,
                     attention_bias=True,
                     rope_parameters=dict(rope_type="default", rope_theta=20000.0,
                                          partial_rotary_factor=0.25))),
        # Sequential residual, rotary 0.5; new dialect (partial_rotary_factor in rope_parameters).
        "gpt_neox_seq": dict(
            model_type="gpt_neox", seed=107, old=None,
            cfg=dict(vocab_size=256, hidden_size=32, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, max_position_embeddings=256, layer_norm_eps=1e-5,
                     hidden_act="gelu", use_parallel_residual=False, tie_word_embeddings=False,
                     attention_bias=True,
                     rope_parameters=dict(rope_type="default", rope_theta=10000.0,
                                          partial_rotary_factor=0.5))),
        # Falcon-7B style: multi-query, parallel attention, one input layernorm, rotary.
        "falcon": dict(
            model_type="falcon", seed=108, old=None,
            cfg=dict(vocab_size=512, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                     new_decoder_architecture=False, multi_query=True, parallel_attn=True,
                     bias=False, alibi=False, layer_norm_epsilon=1e-5,
                     max_position_embeddings=256, tie_word_embeddings=True,
                     rope_parameters=dict(rope_type="default", rope_theta=10000.0))),
        # ALiBi with 6 heads (not a power of two: exercises MPT's slope interleave).
        "mpt": dict(
            model_type="mpt", seed=109, old=None,
            cfg=dict(vocab_size=384, d_model=48, n_heads=6, n_layers=2, expansion_ratio=4,
                     max_seq_len=128, layer_norm_epsilon=1e-5, no_bias=True,
                     attn_config=dict(alibi=True, alibi_bias_max=8))),
        # ---- Families with sliding-window layers (issue #18): 256-token inputs, so that
        # the windows (32-48) are much shorter than the stream; eval = 8 x 256 tokens.
        # Mistral with its window applied in every layer; new dialect.
        "mistral_swa": dict(
            model_type="mistral", seed=111, old=None, n_input=256,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                     max_position_embeddings=1024, rms_norm_eps=1e-5, tie_word_embeddings=False,
                     sliding_window=32,
                     rope_parameters=dict(rope_type="default", rope_theta=10000.0))),
        # Gemma 2: sqrt(d) embedding scale, (1 + w) RMSNorms before and after attention and
        # FFN, GeGLU (tanh), query_pre_attn_scalar != head_dim, attention and final logit
        # soft-capping small enough to bite, local (window 32) / global layers alternating.
        "gemma2": dict(
            model_type="gemma2", seed=112, old=None, n_input=256,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                     max_position_embeddings=1024, rms_norm_eps=1e-6, tie_word_embeddings=True,
                     hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=24,
                     sliding_window=32, attn_logit_softcapping=2.0, final_logit_softcapping=8.0,
                     layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                     rope_parameters=dict(rope_type="default", rope_theta=10000.0))),
        # Gemma 3 (text): as Gemma 2 without soft-capping, with per-head q/k (1 + w) RMSNorm and
        # per-layer-type RoPE: local layers theta 10k, the global layer theta 1M with linear
        # scaling 8 (as the 4B+ models); window 32.
        "gemma3": dict(
            model_type="gemma3_text", seed=113, old=None, n_input=256,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                     max_position_embeddings=1024, rms_norm_eps=1e-6, tie_word_embeddings=True,
                     hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=16,
                     sliding_window=32, final_logit_softcapping=None, attn_logit_softcapping=None,
                     layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                     rope_parameters={
                         "sliding_attention": dict(rope_type="default", rope_theta=10000.0),
                         "full_attention": dict(rope_type="linear", rope_theta=1000000.0, factor=8.0)}),
            fallback_cfg=dict(rope_theta=1000000.0, rope_local_base_freq=10000.0,
                              rope_scaling=dict(rope_type="linear", factor=8.0))),
        # Phi-3: fused qkv_proj and gate_up_proj, LongRoPE with short and long factor lists
        # (original context 64 < 256 input tokens: transformers uses the long factors, and
        # the attention factor sqrt(1 + ln(16)/ln(64))), sliding window 48 in every layer.
        "phi3": dict(
            model_type="phi3", seed=114, old=None, n_input=256,
            cfg=dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2,
                     max_position_embeddings=1024, original_max_position_embeddings=64,
                     rms_norm_eps=1e-5, tie_word_embeddings=False, sliding_window=48,
                     # Phi3Config's defaults (pad/eos 32000) lie outside a 512-token vocabulary,
                     # and nn.Embedding refuses a padding_idx out of range.
                     pad_token_id=0, bos_token_id=1, eos_token_id=2,
                     rope_parameters=dict(rope_type="longrope", rope_theta=10000.0,
                                          original_max_position_embeddings=64,
                                          short_factor=[1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0],
                                          long_factor=[1.0, 1.5, 2.5, 4.0, 6.0, 9.0, 12.0, 16.0]))),
        # Learned positions, Conv1D weights, tanh GELU.
        "gpt2": dict(
            model_type="gpt2", seed=110, old=None,
            cfg=dict(vocab_size=512, n_positions=128, n_embd=64, n_layer=2, n_head=4,
                     activation_function="gelu_new", layer_norm_epsilon=1e-5,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)),
    }


# ----------------------------------------------------------------------------
# Old-dialect rewrites of a saved config.json (dict -> dict). Each returns a
# list of candidates, tried in order until HF reloads one identically.
# ----------------------------------------------------------------------------

def _rope_params(cfg):
    rp = cfg.get("rope_parameters")
    if not isinstance(rp, dict):
        raise ValueError("saved config has no rope_parameters dict: %r" % (rp,))
    return rp


def rewrite_candidates(kind, cfg):
    rp = _rope_params(cfg)
    base = {k: v for k, v in cfg.items() if k not in ("rope_parameters", "rope_scaling", "rope_theta")}
    out = []
    if kind == "llama_linear":
        for key in ("type", "rope_type"):
            c = dict(base)
            c["rope_theta"] = rp["rope_theta"]
            c["rope_scaling"] = {key: "linear", "factor": rp["factor"]}
            out.append(c)
    elif kind == "rope_theta":
        c = dict(base)
        c["rope_theta"] = rp["rope_theta"]
        out.append(c)
    elif kind == "rope_theta_null_scaling":
        c = dict(base)
        c["rope_theta"] = rp["rope_theta"]
        c["rope_scaling"] = None
        out.append(c)
    elif kind == "neox":
        base = {k: v for k, v in base.items() if k not in ("rotary_pct", "rotary_emb_base", "partial_rotary_factor")}
        c = dict(base)
        c["rotary_emb_base"] = rp["rope_theta"]
        c["rotary_pct"] = rp["partial_rotary_factor"]
        out.append(c)
    else:
        raise ValueError("unknown rewrite " + kind)
    return out


# ----------------------------------------------------------------------------

def make_config(model_type, kwargs):
    try:
        return AutoConfig.for_model(model_type, **kwargs)
    except AttributeError:
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING
        return CONFIG_MAPPING[model_type](**kwargs)


def matrix_stds(model):
    """{parameter name: init std} for every 2-D parameter (see EMBED_STD above)."""
    head = model.get_output_embeddings()
    stds = {}
    for mname, mod in model.named_modules():
        w = getattr(mod, "weight", None)
        if not isinstance(w, torch.nn.Parameter) or w.dim() != 2:
            continue
        pname = (mname + "." if mname else "") + "weight"
        if isinstance(mod, torch.nn.Embedding) or mod is head:
            stds[pname] = EMBED_STD
            continue
        if isinstance(mod, torch.nn.Linear):
            fan_in = mod.in_features
        elif type(mod).__name__ == "Conv1D":  # GPT-2's transposed linear: weight [in, out]
            fan_in = w.shape[0]
        else:
            raise RuntimeError("no init rule for %s (%s)" % (pname, type(mod).__name__))
        gain = OUT_GAIN if mname.endswith(OUT_PROJ) else 1.0
        stds[pname] = gain / fan_in ** 0.5
    return stds


def build_model(spec):
    try:
        cfg = make_config(spec["model_type"], spec["cfg"])
    except Exception:  # noqa: BLE001 -- an older/newer config dialect: try the fallback keys
        if "fallback_cfg" not in spec:
            raise
        kw = {k: v for k, v in spec["cfg"].items() if k != "rope_parameters"}
        kw.update(spec["fallback_cfg"])
        cfg = make_config(spec["model_type"], kw)
    try:
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    except (TypeError, ValueError):
        model = AutoModelForCausalLM.from_config(cfg)
    model = model.float().eval()
    stds = matrix_stds(model)
    gen = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                if name not in stds:
                    raise RuntimeError("no init rule for " + name)
                val = torch.randn(p.shape, generator=gen) * stds[name]
            elif name.endswith("weight"):
                val = 1.0 + torch.randn(p.shape, generator=gen) * NORM_STD
            else:
                val = torch.randn(p.shape, generator=gen) * NORM_STD
            p.copy_(val)
    return model


def frozen_params(model):
    """Names of the parameters that training leaves alone: attention blocks and norms."""
    names = set()
    for mname, mod in model.named_modules():
        own = [pn for pn, _ in mod.named_parameters(recurse=False)]
        if not own:
            continue
        is_matrix = isinstance(mod, (torch.nn.Linear, torch.nn.Embedding)) or type(mod).__name__ == "Conv1D"
        if not is_matrix or any(a in "." + mname + "." for a in ATTN_MODULES):
            names.update((mname + "." if mname else "") + pn for pn in own)
    return names


def make_chain(vocab, seed):
    """The synthetic language: CHAIN_K successors per token (a random sparse Markov chain)."""
    gen = torch.Generator().manual_seed(seed)
    succ = torch.stack([torch.randperm(vocab, generator=gen)[:CHAIN_K] for _ in range(vocab)])
    return succ


def sample_chain(succ, n, length, gen):
    """n sequences of `length` tokens: a uniform first token, then the chain."""
    probs = torch.tensor(CHAIN_P, dtype=torch.float64).expand(n, -1)
    x = torch.empty(n, length, dtype=torch.long)
    x[:, 0] = torch.randint(0, succ.shape[0], (n,), generator=gen)
    for t in range(1, length):
        j = torch.multinomial(probs, 1, generator=gen)[:, 0]
        x[:, t] = succ[x[:, t - 1], j]
    return x


def train(model, succ, steps, seed):
    """AdamW on samples of the chain, attention and norms frozen;
    returns (first loss, mean loss of the last 50 steps, number of frozen tensors)."""
    if steps <= 0:
        return None, None, 0
    frozen = frozen_params(model)
    params = []
    for n, p in model.named_parameters():
        p.requires_grad_(n not in frozen)
        if n not in frozen:
            params.append(p)
    gen = torch.Generator().manual_seed(seed)
    data = sample_chain(succ, steps * TRAIN_BATCH, TRAIN_SEQ, gen)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    model.to(dev)
    model.eval()  # no dropout (all configs have none anyway); gradients flow as usual
    opt = torch.optim.AdamW(params, lr=TRAIN_LR, betas=(0.9, 0.95), weight_decay=0.01)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * min(s, steps) / steps)))
    losses = []
    with torch.enable_grad():
        for step in range(steps):
            x = data[step * TRAIN_BATCH:(step + 1) * TRAIN_BATCH].to(dev)
            logits = model(input_ids=x, use_cache=False).logits
            loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                                     x[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
    for p in model.parameters():
        p.requires_grad_(True)
    model.to("cpu")
    model.eval()
    return losses[0], sum(losses[-50:]) / len(losses[-50:]), len(frozen)


def load_folder(folder):
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32)
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32)
    return model.float().eval()


@torch.no_grad()
def logits_of(model, ids):
    out = model(input_ids=torch.tensor([ids], dtype=torch.long), use_cache=False)
    return out.logits[0].float()


@torch.no_grad()
def greedy(model, ids, n):
    ids = list(ids)
    toks, margins = [], []
    for _ in range(n):
        last = logits_of(model, ids)[-1]
        top2 = torch.topk(last, 2)
        tok = int(top2.indices[0])
        margins.append(float(top2.values[0] - top2.values[1]))
        toks.append(tok)
        ids.append(tok)
    return toks, margins


def vocab_of(model):
    return int(model.get_output_embeddings().weight.shape[0])


def make_one(name, spec, out_dir, steps):
    folder = os.path.join(out_dir, "hf", name)
    os.makedirs(folder, exist_ok=True)
    model = build_model(spec)
    vocab = vocab_of(model)
    succ = make_chain(vocab, 5000 + spec["seed"])
    t0 = time.time()
    loss0, loss1, n_frozen = train(model, succ, steps, 6000 + spec["seed"])
    train_s = time.time() - t0
    gen = torch.Generator().manual_seed(7000 + spec["seed"])
    n_input = spec.get("n_input", N_INPUT)
    n_eval = N_EVAL if n_input == N_INPUT else 8
    ids = [int(t) for t in sample_chain(succ, 1, n_input, gen)[0]]
    eval_ids = sample_chain(succ, n_eval, n_input, gen).tolist()
    ref = logits_of(model, ids)

    model.save_pretrained(folder)
    for extra in ("generation_config.json",):
        p = os.path.join(folder, extra)
        if os.path.exists(p):
            os.remove(p)
    cfg_path = os.path.join(folder, "config.json")
    with open(cfg_path) as f:
        saved_cfg = json.load(f)
    chain_entropy = -sum(p * math.log(p) for p in CHAIN_P)
    info = {"model_type": spec["model_type"], "saved_config_keys": sorted(saved_cfg.keys()), "n_input": n_input,
            "dialect": "as_saved", "vocab": vocab,
            "train": {"steps": steps, "first_loss": loss0, "final_loss": loss1, "frozen_tensors": n_frozen,
                      "chain_entropy": chain_entropy, "seconds": round(train_s, 1)}}

    # The folder as saved must reproduce the in-memory model exactly.
    reloaded = load_folder(folder)
    d0 = float((logits_of(reloaded, ids) - ref).abs().max())
    info["reload_max_abs_diff"] = d0
    if d0 > SAME_TOL:
        raise RuntimeError("%s: reloaded folder differs from the built model by %g" % (name, d0))

    if spec["old"] is not None:
        info["dialect"] = "as_saved (old-dialect rewrite failed)"
        for cand in rewrite_candidates(spec["old"], saved_cfg):
            with open(cfg_path, "w") as f:
                json.dump(cand, f, indent=2, sort_keys=True)
            try:
                m2 = load_folder(folder)
                d = float((logits_of(m2, ids) - ref).abs().max())
            except Exception as e:  # noqa: BLE001 -- report and try the next candidate
                d = float("inf")
                info.setdefault("rewrite_errors", []).append(repr(e))
            info.setdefault("rewrite_tries", []).append({"keys": sorted(cand.keys()),
                                                         "rope_scaling": cand.get("rope_scaling"),
                                                         "max_abs_diff": d})
            if d <= SAME_TOL:
                info["dialect"] = "old:" + spec["old"]
                break
        else:
            with open(cfg_path, "w") as f:
                json.dump(saved_cfg, f, indent=2, sort_keys=True)

    # The oracle comes from the folder as committed.
    final = load_folder(folder)
    logits = logits_of(final, ids)
    if float((logits - ref).abs().max()) > SAME_TOL:
        raise RuntimeError(name + ": final folder does not reproduce the built model")
    logits.contiguous().numpy().astype("<f4").tofile(os.path.join(folder, "logits.bin"))
    toks, margins = greedy(final, ids, N_GREEDY)
    with open(os.path.join(folder, "tokens.json"), "w") as f:
        json.dump({"input": ids, "greedy": toks, "greedy_margin": margins, "eval": eval_ids}, f)
    with open(cfg_path) as f:
        info["config"] = json.load(f)
    info["logit_absmax"] = float(logits.abs().max())
    info["logit_std"] = float(logits.std())
    info["min_greedy_margin"] = min(margins)
    info["files"] = sorted(os.listdir(folder))
    if "model.safetensors" not in info["files"]:
        raise RuntimeError(name + ": save_pretrained wrote no model.safetensors: %s" % info["files"])
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tar", default=None)
    ap.add_argument("--only", default=None, help="comma-separated fixture names")
    ap.add_argument("--steps", type=int, default=TRAIN_STEPS, help="training steps (0: random weights)")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    specs = fixture_specs()
    names = args.only.split(",") if args.only else list(specs)
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__,
                "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                "n_input": N_INPUT, "n_greedy": N_GREEDY,
                "init": {"embed_std": EMBED_STD, "in_std": "1/sqrt(fan_in)", "out_std": "%g/sqrt(fan_in)" % OUT_GAIN,
                         "out_proj": list(OUT_PROJ), "norm_std": NORM_STD, "bias_std": NORM_STD},
                "train": {"steps": args.steps, "batch": TRAIN_BATCH, "seq": TRAIN_SEQ, "lr": TRAIN_LR,
                          "optimizer": "AdamW(0.9, 0.95), weight decay 0.01, 5% warm-up, cosine to 0, clip 1.0",
                          "chain_k": CHAIN_K, "chain_p": list(CHAIN_P),
                          "frozen": "attention blocks %s and norms keep their init" % (list(ATTN_MODULES),)},
                "fixtures": {}, "failed": {}}
    for name in names:
        print("==", name, flush=True)
        try:
            info = make_one(name, specs[name], args.out, args.steps)
            manifest["fixtures"][name] = info
            print("   train=%s" % json.dumps(info["train"]), flush=True)
            print("   dialect=%s logit_absmax=%.3f std=%.3f min_margin=%.4f files=%s" % (
                info["dialect"], info["logit_absmax"], info["logit_std"], info["min_greedy_margin"],
                info["files"]), flush=True)
            print("   config:", json.dumps(info["config"], sort_keys=True), flush=True)
        except Exception:  # noqa: BLE001 -- keep going; the manifest records the failure
            tb = traceback.format_exc()
            manifest["failed"][name] = tb
            print(tb, flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
    if args.tar:
        with tarfile.open(args.tar, "w") as t:
            t.add(args.out, arcname="fixtures")
    print("made:", sorted(manifest["fixtures"]), "failed:", sorted(manifest["failed"]), flush=True)
    return 0 if not manifest["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
