#!/usr/bin/env python3
"""Export a sinklab model to GGUF (general.architecture = "llama"), load one back.

Standard llama keys and tensor names; the non-vanilla variants add (docs/sinklab.md):
  all variants   sinkstream.attention.variant (string)
  sink-token     llama.attention.sink_token = true, tensor sink_token_embd.weight [n_embd] f32
  softmax1       llama.attention.softmax_one = true (no tensor)
  sink-logit     tensor blk.N.attn_sinks.weight [n_head] f32 (gpt-oss name and meaning)
  gate           llama.attention.output_gate = "headwise",
                 tensor blk.N.attn_gate.weight, torch shape (n_head, n_embd), ne [n_embd, n_head]
wq/wk are written unpermuted: the trainer's RoPE already rotates interleaved pairs
(x[2i], x[2i+1]), which is what GGUF llama readers apply.

CLI:
  export.py --ckpt ckpt-softmax.pt --tokenizer-from models/sinkstream-default.gguf \
            --out model.gguf [--dtype f32|f16] [--dump-logits logits.json --text "..."]
"""

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_write as G  # noqa: E402
from model import Config, Model  # noqa: E402


def tensor_map(model):
    """[(gguf name, torch tensor)] in file order."""
    m, cfg = model, model.cfg
    out = [("token_embd.weight", m.tok_emb.weight)]
    if m.sink_emb is not None:
        out.append(("sink_token_embd.weight", m.sink_emb))
    for i, l in enumerate(m.layers):
        p = "blk.%d." % i
        out += [(p + "attn_norm.weight", l.attn_norm.weight),
                (p + "attn_q.weight", l.attn.wq.weight),
                (p + "attn_k.weight", l.attn.wk.weight),
                (p + "attn_v.weight", l.attn.wv.weight),
                (p + "attn_output.weight", l.attn.wo.weight)]
        if l.attn.sinks is not None:
            out.append((p + "attn_sinks.weight", l.attn.sinks))
        if l.attn.wg is not None:
            out.append((p + "attn_gate.weight", l.attn.wg.weight))
        out += [(p + "ffn_norm.weight", l.ffn_norm.weight),
                (p + "ffn_gate.weight", l.w1.weight),
                (p + "ffn_up.weight", l.w3.weight),
                (p + "ffn_down.weight", l.w2.weight)]
    out += [("output_norm.weight", m.norm.weight), ("output.weight", m.out.weight)]
    return out


def export_gguf(model, path, dtype="f32", tokenizer_json=None, name="sinklab", extra_kv=None):
    """tokenizer_json: {key: [gguf type, value, elem type]} (tokenizer.make_kv output)."""
    cfg = model.cfg
    w = G.GGUFWriter()
    w.add_string("general.architecture", "llama")
    w.add_string("general.name", name)
    w.add_u32("general.file_type", {"f32": 0, "f16": 1, "q8_0": 7}[dtype])
    w.add_u32("llama.context_length", cfg.max_seq - 8)
    w.add_u32("llama.embedding_length", cfg.dim)
    w.add_u32("llama.block_count", cfg.n_layers)
    w.add_u32("llama.feed_forward_length", cfg.ffn_dim)
    w.add_u32("llama.attention.head_count", cfg.n_heads)
    w.add_u32("llama.attention.head_count_kv", cfg.n_kv_heads)
    w.add_u32("llama.rope.dimension_count", cfg.head_dim)
    w.add_f32("llama.rope.freq_base", cfg.rope_theta)
    w.add_f32("llama.attention.layer_norm_rms_epsilon", cfg.norm_eps)
    w.add_u32("llama.vocab_size", cfg.vocab_size)
    w.add_string("sinkstream.attention.variant", cfg.variant)
    if cfg.variant == "sink-token":
        w.add_bool("llama.attention.sink_token", True)
    if cfg.variant == "softmax1":
        w.add_bool("llama.attention.softmax_one", True)
    if cfg.variant == "gate":
        w.add_string("llama.attention.output_gate", "headwise")
    for k, v in (extra_kv or {}).items():
        w.add(k, *v) if isinstance(v, tuple) else w.add_string(k, str(v))
    if tokenizer_json:
        for k, (t, v, et) in tokenizer_json.items():
            w.add(k, t, v, et)
    for n, t in tensor_map(model):
        a = t.detach().float().cpu().numpy()
        ne = list(reversed(a.shape))
        if dtype == "f16" and a.ndim == 2:
            w.add_tensor(n, ne, G.GGML_F16, a.astype("<f2").tobytes())
        elif dtype == "q8_0" and a.ndim == 2:
            w.add_tensor(n, ne, G.GGML_Q8_0, G.quantize_q8_0(a))
        else:
            w.add_tensor(n, ne, G.GGML_F32, a.astype("<f4").tobytes())
    return w.write(path)


def config_from_gguf(kv):
    variant = kv.get("sinkstream.attention.variant", "softmax")
    ctx = kv.get("llama.context_length", 512)
    return Config(vocab_size=len(kv["tokenizer.ggml.tokens"]) if "tokenizer.ggml.tokens" in kv
                  else kv["llama.vocab_size"],
                  dim=kv["llama.embedding_length"], n_layers=kv["llama.block_count"],
                  n_heads=kv["llama.attention.head_count"],
                  n_kv_heads=kv.get("llama.attention.head_count_kv", kv["llama.attention.head_count"]),
                  ffn_dim=kv["llama.feed_forward_length"], max_seq=ctx + 8,
                  rope_theta=kv.get("llama.rope.freq_base", 10000.0),
                  norm_eps=kv["llama.attention.layer_norm_rms_epsilon"], variant=variant)


def _to_torch(ne, gt, data):
    dt = "<f4" if gt == G.GGML_F32 else "<f2"
    a = np.frombuffer(data, dtype=dt).astype(np.float32).reshape(list(reversed(ne)))
    return torch.from_numpy(a.copy())


def load_gguf_into(model, path):
    f = G.GGUFFile(str(path))
    with torch.no_grad():
        for n, t in tensor_map(model):
            if n not in f.tensors:
                raise KeyError("%s: missing tensor %s" % (path, n))
            src = _to_torch(*f.tensors[n])
            if tuple(src.shape) != tuple(t.shape):
                raise ValueError("%s: tensor %s has shape %s, model wants %s" %
                                 (path, n, tuple(src.shape), tuple(t.shape)))
            t.copy_(src.to(t.device))
    return f


def load_gguf_model(path, device="cpu"):
    f = G.GGUFFile(str(path))
    m = Model(config_from_gguf(f.kv)).to(device)
    load_gguf_into(m, path)
    m.eval()
    return m, f.kv


def tokenizer_json_from_gguf(path):
    f = G.GGUFFile(str(path))
    return {k: [f.kv_types[k][0], v, f.kv_types[k][1]] for k, v in f.kv.items()
            if k.startswith("tokenizer.")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", help="train.py checkpoint (.pt)")
    ap.add_argument("--gguf-in", help="or: an existing sinklab GGUF (re-export / dump logits)")
    ap.add_argument("--tokenizer-from", help="GGUF (or tokenizer_kv.json) to take tokenizer keys from")
    ap.add_argument("--out")
    ap.add_argument("--dtype", default="f32", choices=["f32", "f16"])
    ap.add_argument("--dump-logits", help="write logits of the PyTorch forward for --text/--ids as JSON")
    ap.add_argument("--text", default="It is a truth universally acknowledged, that a single man")
    ap.add_argument("--ids", help="comma-separated token ids (instead of --text)")
    a = ap.parse_args()
    if a.ckpt:
        ck = torch.load(a.ckpt, map_location="cpu")
        m = Model(Config(**ck["config"]))
        m.load_state_dict(ck["model"])
        m.eval()
    elif a.gguf_in:
        m, _ = load_gguf_model(a.gguf_in)
    else:
        ap.error("need --ckpt or --gguf-in")
    tk = None
    src = a.tokenizer_from or a.gguf_in
    if src:
        tk = json.loads(Path(src).read_text()) if src.endswith(".json") else tokenizer_json_from_gguf(src)
    if a.out:
        n = export_gguf(m, a.out, a.dtype, tokenizer_json=tk, name=Path(a.out).stem)
        print("wrote %s (%d bytes)" % (a.out, n))
    if a.dump_logits:
        if a.ids:
            ids = [int(x) for x in a.ids.split(",")]
        else:
            from tokenizer import GPT2BPE
            bpe = GPT2BPE.from_gguf_kv({k: v[1] for k, v in tk.items()})
            ids = bpe.encode(a.text, bos=True)
        with torch.no_grad():
            lg = m(torch.tensor([ids]))[0]
        Path(a.dump_logits).write_text(json.dumps({"variant": m.cfg.variant, "ids": ids,
                                                   "logits": [[round(float(x), 6) for x in r] for r in lg]}))
        print("wrote %s (%d positions)" % (a.dump_logits, len(ids)))


if __name__ == "__main__":
    main()
