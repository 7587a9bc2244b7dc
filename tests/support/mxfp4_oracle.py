#!/usr/bin/env python3
"""MXFP4 oracle: a numpy transcription of the OCP Microscaling Formats (MX) v1.0
spec for MXFP4 (block size 32, E8M0 shared scale, FP4 E2M1 elements), written
from the spec, not from sinkstream's code. Used by tests/unit/mxfp4_test.cpp.

  mxfp4_oracle.py quantize IN.f32 OUT.bin   IN: n*32 little-endian f32 values;
      OUT: per block 17 bytes in ggml's GGML_TYPE_MXFP4 layout: the E8M0 scale byte,
      then 16 bytes holding element j in the low nibble and element j+16 in the high one.
  mxfp4_oracle.py decode IN.bin OUT.f32     the inverse: blocks -> f32 values.

Spec points transcribed:
  - E2M1: 1 sign, 2 exponent bits (bias 1), 1 mantissa bit; exponent 0 is
    subnormal (0.m * 2^0); no inf or NaN; magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6.
  - E8M0: an unsigned 8-bit exponent, value 2^(E - 127); 0xFF is NaN.
  - Conversion of a block V[32] (section 6.3): shared_exp = floor(log2(max|V|)) - emax_elem
    with emax_elem = 2 (6 = 1.5 * 2^2); X = 2^shared_exp; P_i = V_i / X converted to
    E2M1 with round-to-nearest, ties to even, magnitudes above 6 clamped to 6.
    A block of zeros takes scale 2^-127 (E = 0) and zero elements.
"""
import sys

import numpy as np

E2M1_MAG = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])


def e2m1_decode(code):
    code = np.asarray(code, dtype=np.int64)
    sign = np.where(code & 8, -1.0, 1.0)
    exp = (code >> 1) & 3
    man = code & 1
    mag = np.where(exp == 0, 0.5 * man, (1.0 + 0.5 * man) * np.exp2(exp - 1.0))
    return sign * mag


def e2m1_encode(p):
    """Round to nearest E2M1 (ties to even mantissa), saturating at 6."""
    a = np.minimum(np.abs(p), 6.0)
    dist = np.abs(a[..., None] - E2M1_MAG)
    best = np.min(dist, axis=-1, keepdims=True)
    cand = dist == best
    # among tied candidates prefer the even code (mantissa bit 0)
    even = cand & ((np.arange(8) & 1) == 0)
    pick = np.where(even.any(-1), np.argmax(even, -1), np.argmax(cand, -1))
    return np.where((p < 0) & (pick != 0), pick | 8, pick).astype(np.uint8)


def quantize(x):
    blocks = x.reshape(-1, 32).astype(np.float64)
    out = np.zeros((blocks.shape[0], 17), dtype=np.uint8)
    for i, v in enumerate(blocks):
        amax = np.max(np.abs(v))
        if amax == 0:
            continue
        shared = int(np.floor(np.log2(amax))) - 2
        e = min(max(shared + 127, 0), 254)
        codes = e2m1_encode(v / np.exp2(e - 127.0))
        out[i, 0] = e
        out[i, 1:] = codes[:16] | (codes[16:] << 4)
    return out


def decode(b):
    b = b.reshape(-1, 17)
    scale = np.exp2(b[:, 0].astype(np.float64) - 127.0)
    scale[b[:, 0] == 255] = np.nan
    lo, hi = b[:, 1:] & 15, b[:, 1:] >> 4
    codes = np.concatenate([lo, hi], axis=1)
    return (e2m1_decode(codes) * scale[:, None]).astype(np.float32)


def main():
    mode, src, dst = sys.argv[1:4]
    if mode == "quantize":
        quantize(np.fromfile(src, dtype="<f4")).tofile(dst)
    elif mode == "decode":
        decode(np.fromfile(src, dtype=np.uint8)).astype("<f4").tofile(dst)
    else:
        raise SystemExit("usage: mxfp4_oracle.py quantize|decode IN OUT")


if __name__ == "__main__":
    main()
