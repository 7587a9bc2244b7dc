#!/usr/bin/env python3
"""Writes an HF gpt-oss folder in the layout of OpenAI's published checkpoints
(transformers' quantization_config quant_method "mxfp4"): the experts of
tests/fixtures/hf/gpt_oss as U8 MXFP4 tensors, everything else unchanged.
Used by tests/e2e/gpt_oss_fixture_test.cpp.

  gpt_oss_openai_mxfp4.py FIXTURE_DIR OUT_DIR

For each layer N, from gate_up_proj [E, D, 2F] and down_proj [E, F, D] (x @ w):
  mlp.experts.gate_up_proj_blocks U8 [E, 2F, D/32, 16], gate_up_proj_scales U8 [E, 2F, D/32]
  mlp.experts.down_proj_blocks    U8 [E, D, F/32, 16], down_proj_scales    U8 [E, D, F/32]
(rows = output features, gate and up rows interleaved as in gate_up_proj's last dim).
Blocks of 32 consecutive inputs are quantized by tests/support/mxfp4_oracle.py (the OCP
spec transcription); OpenAI's byte k holds element 2k in its low nibble and 2k+1 in its
high nibble, the scale byte is E8M0.

Also writes OUT_DIR/experts_decoded.f32: per layer, the gate [E*F][D], up [E*F][D] and
down [E*D][F] stacks (sinkstream's (out, in) orientation) as transformers'
convert_moe_packed_tensors decodes the blocks: FP4_VALUES[low nibble] at even and
FP4_VALUES[high nibble] at odd positions, times 2^(scale - 127).
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxfp4_oracle  # noqa: E402
from families_oracle import write_safetensors  # noqa: E402  (uint8 arrays as U8)

FP4_VALUES = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0])


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        assert v["dtype"] == "F32", (name, v["dtype"])
        b, e = v["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype="<f4").reshape(v["shape"])
    return out


def openai_mxfp4(w):
    """w [..., K] (K % 32 == 0) -> blocks U8 [..., K/32, 16], scales U8 [..., K/32]."""
    lead, k = w.shape[:-1], w.shape[-1]
    ggml = mxfp4_oracle.quantize(w.reshape(-1))  # [n_blocks, 17]: scale, codes j | codes j+16 << 4
    codes = np.concatenate([ggml[:, 1:] & 15, ggml[:, 1:] >> 4], axis=1)  # [n_blocks, 32]
    blocks = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
    return blocks.reshape(*lead, k // 32, 16), ggml[:, 0].astype(np.uint8).reshape(*lead, k // 32)


def transformers_decode(blocks, scales):
    """convert_moe_packed_tensors, restated: [..., G, 16] + [..., G] -> [..., G * 32]."""
    lo, hi = blocks & 15, blocks >> 4
    vals = np.empty(blocks.shape[:-1] + (32,))
    vals[..., 0::2] = FP4_VALUES[lo]
    vals[..., 1::2] = FP4_VALUES[hi]
    vals = vals * np.exp2(scales.astype(np.float64) - 127.0)[..., None]
    return vals.reshape(*blocks.shape[:-2], blocks.shape[-2] * 32)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["quantization_config"] = {"quant_method": "mxfp4",
                                  "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                             "model.embed_tokens", "lm_head"]}
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)
    t = read_safetensors(os.path.join(src, "model.safetensors"))
    decoded = []
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d.mlp.experts." % layer
        gate_up = np.transpose(t.pop(p + "gate_up_proj"), (0, 2, 1))  # [E, 2F, D]
        down = np.transpose(t.pop(p + "down_proj"), (0, 2, 1))        # [E, D, F]
        gb, gs = openai_mxfp4(gate_up)
        db, ds = openai_mxfp4(down)
        t[p + "gate_up_proj_blocks"], t[p + "gate_up_proj_scales"] = gb, gs
        t[p + "down_proj_blocks"], t[p + "down_proj_scales"] = db, ds
        gu = transformers_decode(gb, gs)  # [E, 2F, D]
        E, F2, D = gu.shape
        decoded += [gu[:, 0::2, :].reshape(E * F2 // 2, D), gu[:, 1::2, :].reshape(E * F2 // 2, D),
                    transformers_decode(db, ds).reshape(-1, F2 // 2)]
    write_safetensors(os.path.join(out, "model.safetensors"), t)
    np.concatenate([d.reshape(-1) for d in decoded]).astype("<f4").tofile(os.path.join(out, "experts_decoded.f32"))


if __name__ == "__main__":
    main()
