#!/usr/bin/env python3
"""Writes the small seed corpus under fuzz/corpus/ (GGUF v2/v3 and safetensors files).

Run from the repository root: python3 fuzz/make_corpus.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return gstr(key) + struct.pack("<I", vtype) + payload


def gguf(version, kvs, tensors, alignment=32):
    """tensors: list of (name, dims, ggml_type, data bytes)."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    offset, blobs = 0, []
    for name, dims, ttype, data in tensors:
        offset = (offset + alignment - 1) // alignment * alignment
        out += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ttype, offset)
        blobs.append((offset, data))
        offset += len(data)
    out += b"\0" * (-len(out) % alignment)
    base = len(out)
    for off, data in blobs:
        out += b"\0" * (base + off - len(out)) + data
    return out


def safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + data


def write(sub, name, data):
    with open(os.path.join(HERE, "corpus", sub, name), "wb") as f:
        f.write(data)


def main():
    arr_str = struct.pack("<IQ", 8, 3) + gstr("<s>") + gstr("a") + gstr("\u2581b")
    arr_f32 = struct.pack("<IQ", 6, 3) + struct.pack("<3f", 0.0, -1.5, 2.0)
    arr_i32 = struct.pack("<IQ", 5, 3) + struct.pack("<3i", 1, 2, 3)
    nested = struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 2) + struct.pack("<2I", 7, 8)
    kvs = [
        kv("general.architecture", 8, gstr("llama")),
        kv("u8", 0, b"\x07"), kv("i8", 1, b"\xff"), kv("u16", 2, b"\x01\x02"), kv("i16", 3, b"\xfe\xff"),
        kv("u32", 4, struct.pack("<I", 5)), kv("i32", 5, struct.pack("<i", -5)), kv("f32", 6, struct.pack("<f", 0.5)),
        kv("b", 7, b"\x01"), kv("u64", 10, struct.pack("<Q", 9)), kv("i64", 11, struct.pack("<q", -9)),
        kv("f64", 12, struct.pack("<d", 0.25)),
        kv("tokenizer.ggml.tokens", 9, arr_str), kv("tokenizer.ggml.scores", 9, arr_f32),
        kv("tokenizer.ggml.token_type", 9, arr_i32), kv("nested", 9, nested),
    ]
    q8 = struct.pack("<H", 0x3C00) + bytes(range(32))
    q4k = struct.pack("<HH", 0x3C00, 0x3800) + bytes(12) + bytes([0x97] * 128)
    q6k = bytes([0x5A] * 128) + bytes([0xE4] * 64) + bytes(16) + struct.pack("<H", 0x3800)
    tensors = [
        ("f32", [4], 0, struct.pack("<4f", 1, 2, 3, 4)),
        ("f16", [2, 2], 1, struct.pack("<4H", 0x3C00, 0, 0x7BFF, 1)),
        ("q8_0", [32], 8, q8),
        ("q4_0", [32], 2, struct.pack("<H", 0x3800) + bytes(range(16))),
        ("q4_1", [32], 3, struct.pack("<HH", 0x3400, 0xBC00) + bytes(16)),
        ("q5_0", [32], 6, struct.pack("<HI", 0x4000, 0x80000001) + bytes([0x21] * 16)),
        ("q5_1", [32], 7, struct.pack("<HHI", 0x3800, 0x3C00, 0x10002) + bytes(16)),
        ("q4_k", [256], 12, q4k),
        ("q5_k", [256], 13, q4k[:16] + bytes([0xA5] * 32) + q4k[16:]),
        ("q6_k", [256], 14, q6k),
        ("bf16", [2], 30, struct.pack("<2H", 0x3F80, 0xC020)),
    ]
    write("gguf", "v3_all_types.gguf", gguf(3, kvs, tensors))
    write("gguf", "v2_vocab_only.gguf", gguf(2, kvs[:1] + kvs[12:15], []))
    write("gguf", "v3_align8.gguf",
          gguf(3, [kv("general.alignment", 4, struct.pack("<I", 8))], tensors[:2], alignment=8))
    write("gguf", "empty.gguf", gguf(3, [], []))

    d = struct.pack("<6f", 0, 1, 2, 3, 4, 5) + struct.pack("<4H", 0x3C00, 0xC000, 0x3800, 0x7BFF) + struct.pack("<H", 0x3F80)
    write("safetensors", "basic.safetensors", safetensors({
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "b": {"dtype": "F16", "shape": [4], "data_offsets": [24, 32]},
        "c": {"dtype": "BF16", "shape": [], "data_offsets": [32, 34]},
    }, d))
    write("safetensors", "unsupported_dtype.safetensors", safetensors({
        "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
        "pos": {"dtype": "I64", "shape": [2], "data_offsets": [4, 20]},
    }, struct.pack("<fqq", 1.0, 7, 8)))
    write("safetensors", "empty_tensor.safetensors", safetensors({
        "e": {"dtype": "F16", "shape": [0, 4], "data_offsets": [0, 0]},
    }, b""))


if __name__ == "__main__":
    main()
