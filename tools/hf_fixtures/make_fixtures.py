#!/usr/bin/env python3
"""Builds tiny random Hugging Face models of each architecture sinkstream
supports and dumps oracle outputs for the end-to-end tests.

Runs where HF transformers (5.x) and torch are installed (the GPU machine);
everything is computed on the CPU in float32, so the numbers do not depend on
TF32 or GPU kernels.

For each fixture <name> it writes <out>/hf/<name>/:
  config.json         as saved by transformers, or rewritten to the older
                      config dialect (top-level rope_theta / rope_scaling /
                      rotary_pct / rotary_emb_base) -- only when HF reloads the
                      rewritten folder to exactly the same logits
  model.safetensors   the weights (f32)
  logits.bin          f32 little-endian [48, vocab]: logits of the 48 input tokens
  tokens.json         {"input": [48 ids], "greedy": [16 ids], "greedy_margin": [16]}
                      greedy = argmax continuation recomputed from scratch each step;
                      greedy_margin = top1 - top2 logit at each greedy step
and <out>/manifest.json describing what was made (dialects, versions, checks).
With --tar FILE it also packs <out> into one tar file.

Usage: python3 make_fixtures.py --out DIR [--tar FILE] [--only name,name]
"""

import argparse
import json
import os
import sys
import tarfile
import traceback

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

N_INPUT = 48
N_GREEDY = 16
WEIGHT_STD = 0.15   # matrices and embeddings
NORM_STD = 0.1      # norm weights are 1 + N(0, NORM_STD); biases N(0, NORM_STD)
SAME_TOL = 1e-6     # "HF reads this folder as the same model" (a misread rope setting moves logits by >> 1e-3)


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


def build_model(spec):
    cfg = make_config(spec["model_type"], spec["cfg"])
    try:
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    except (TypeError, ValueError):
        model = AutoModelForCausalLM.from_config(cfg)
    model = model.float().eval()
    gen = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                val = torch.randn(p.shape, generator=gen) * WEIGHT_STD
            elif name.endswith("weight"):
                val = 1.0 + torch.randn(p.shape, generator=gen) * NORM_STD
            else:
                val = torch.randn(p.shape, generator=gen) * NORM_STD
            p.copy_(val)
    return model


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


def make_one(name, spec, out_dir):
    folder = os.path.join(out_dir, "hf", name)
    os.makedirs(folder, exist_ok=True)
    model = build_model(spec)
    vocab = vocab_of(model)
    gen = torch.Generator().manual_seed(7000 + spec["seed"])
    ids = [int(t) for t in torch.randint(0, vocab, (N_INPUT,), generator=gen)]
    ref = logits_of(model, ids)

    model.save_pretrained(folder)
    for extra in ("generation_config.json",):
        p = os.path.join(folder, extra)
        if os.path.exists(p):
            os.remove(p)
    cfg_path = os.path.join(folder, "config.json")
    with open(cfg_path) as f:
        saved_cfg = json.load(f)
    info = {"model_type": spec["model_type"], "saved_config_keys": sorted(saved_cfg.keys()),
            "dialect": "as_saved", "vocab": vocab}

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
        json.dump({"input": ids, "greedy": toks, "greedy_margin": margins}, f)
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
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    specs = fixture_specs()
    names = args.only.split(",") if args.only else list(specs)
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__,
                "n_input": N_INPUT, "n_greedy": N_GREEDY, "weight_std": WEIGHT_STD, "norm_std": NORM_STD,
                "fixtures": {}, "failed": {}}
    for name in names:
        print("==", name, flush=True)
        try:
            info = make_one(name, specs[name], args.out)
            manifest["fixtures"][name] = info
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
