#!/usr/bin/env python3
"""Writes the small seed corpus under fuzz/corpus/: GGUF v2/v3 and safetensors
files, tokenizer.json and config.json files (the configs are the HF fixtures'
own, tests/fixtures/hf/*/config.json), a tiny llama2.c checkpoint and
tokenizer.bin, cache-policy specs and OpenAI-style conversations. (state_fuzz seeds
itself: see state_fuzz.cpp.)

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


def gguf_vocab(model, pre, tokens, scores=None, token_type=None, merges=None, ids=()):
    """A tensor-less GGUF holding only tokenizer.ggml.* metadata (what
    vocab_from_gguf reads); `ids`: (key suffix, id) pairs."""
    def str_array(items):
        return struct.pack("<IQ", 8, len(items)) + b"".join(gstr(t) for t in items)
    kvs = [kv("general.architecture", 8, gstr("llama")), kv("tokenizer.ggml.model", 8, gstr(model)),
           kv("tokenizer.ggml.pre", 8, gstr(pre)), kv("tokenizer.ggml.tokens", 9, str_array(tokens))]
    if scores is not None:
        kvs.append(kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, len(scores)) + struct.pack(f"<{len(scores)}f", *scores)))
    if token_type is not None:
        kvs.append(kv("tokenizer.ggml.token_type", 9,
                      struct.pack("<IQ", 5, len(token_type)) + struct.pack(f"<{len(token_type)}i", *token_type)))
    if merges is not None:
        kvs.append(kv("tokenizer.ggml.merges", 9, str_array(merges)))
    for key, value in ids:
        kvs.append(kv("tokenizer.ggml." + key, 4, struct.pack("<I", value)))
    return gguf(3, kvs, [])


def vocab_seeds():
    """Tiny SentencePiece, byte-level BPE and WordPiece vocabularies (built here,
    not copied), so gguf_fuzz reaches the GGUF tokenizer builders."""
    spm = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["\u2581", "a", "b", "\u2581a", "ab", "\u2581ab"]
    write("gguf", "vocab_spm.gguf", gguf_vocab(
        "llama", "default", spm, scores=[0.0] * 259 + [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0],
        token_type=[2, 3, 3] + [6] * 256 + [1] * 6, ids=[("bos_token_id", 1), ("eos_token_id", 2), ("unknown_token_id", 0)]))
    byte_chars = [chr(c) for c in range(33, 127)] + [chr(c) for c in range(161, 173)] + [chr(c) for c in range(174, 256)]
    byte_chars += [chr(256 + i) for i in range(256 - len(byte_chars))]
    gpt2 = byte_chars + ["\u0120a", "ab", "\u0120ab", "<|endoftext|>"]
    write("gguf", "vocab_gpt2.gguf", gguf_vocab(
        "gpt2", "gpt-2", gpt2, token_type=[1] * (len(gpt2) - 1) + [3], merges=["\u0120 a", "a b", "\u0120a b"],
        ids=[("bos_token_id", len(gpt2) - 1), ("eos_token_id", len(gpt2) - 1)]))
    bert = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##b", "ab", ",", "."]
    write("gguf", "vocab_bert.gguf", gguf_vocab(
        "bert", "bert-bge", bert, token_type=[3, 3, 3, 3, 3] + [1] * 6,
        ids=[("bos_token_id", 2), ("unknown_token_id", 1), ("seperator_token_id", 3), ("padding_token_id", 0)]))


def safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + data


def write(sub, name, data):
    os.makedirs(os.path.join(HERE, "corpus", sub), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, "corpus", sub, name), "wb") as f:
        f.write(data)


def tokenizer_jsons():
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    vocab = {c: i for i, c in enumerate("Helo wrd,123caf!")}
    vocab.update({"He": 16, "ll": 17, "lo": 18})
    bpe = {"version": "1.0", "added_tokens": [{"id": 19, "content": "<|end|>", "special": True}],
           "normalizer": None, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
               {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": False},
               {"type": "Digits", "individual_digits": True}, byte_level]},
           "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|end|>", "type_id": 0}},
                                                                      {"Sequence": {"id": "A", "type_id": 0}}]},
           "model": {"type": "BPE", "vocab": vocab, "merges": ["H e", ["l", "l"], "l o"]}}
    write("tokenizer_json", "bpe_byte_level.json", json.dumps(bpe))
    spm_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "\u2581": 3, "H": 4, "e": 5, "l": 6, "o": 7, "\u2581H": 8, "<0x41>": 9}
    spm = {"normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                              {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
           "pre_tokenizer": None,
           "model": {"type": "BPE", "vocab": spm_vocab, "merges": ["\u2581 H"], "byte_fallback": True, "unk_token": "<unk>"}}
    write("tokenizer_json", "bpe_spm.json", json.dumps(spm))
    wp = {"normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
          "pre_tokenizer": {"type": "BertPreTokenizer"},
          "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]"}},
                                                                     {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "[SEP]"}}]},
          "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                    "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "world": 4, "##s": 5, ",": 6, "!": 7}}}
    write("tokenizer_json", "wordpiece.json", json.dumps(wp))
    # tokenizer.json + "\n#tokenizer_config.json\n" + tokenizer_config.json (see tokenizer_json_fuzz.cpp)
    split = "\n#tokenizer_config.json\n"
    spm_cfg = {"bos_token": "<s>", "eos_token": {"content": "</s>", "special": True}, "unk_token": "<unk>",
               "pad_token": None, "add_bos_token": True, "add_eos_token": False}
    write("tokenizer_json", "bpe_spm_with_config.json", json.dumps(spm) + split + json.dumps(spm_cfg))
    bpe_cfg = {"bos_token": "<|end|>", "eos_token": "<|end|>", "add_bos_token": False}
    write("tokenizer_json", "bpe_byte_level_with_config.json", json.dumps(bpe) + split + json.dumps(bpe_cfg))


def token_id_streams():
    write("token_ids", "spaces.txt", "1 2 3\n4\t5  511 0\n")
    write("token_ids", "json_array.json", "[1, 2, 3, 511, 0]")
    write("token_ids", "empty_array.json", "[]")
    write("token_ids", "out_of_range.txt", "1 512 -1 99999999999")


def hf_configs():
    fixtures = os.path.join(HERE, "..", "tests", "fixtures", "hf")
    for name in sorted(os.listdir(fixtures)):
        cfg = os.path.join(fixtures, name, "config.json")
        if os.path.isfile(cfg):
            with open(cfg, "rb") as f:
                write("hf_config", name + ".json", f.read())


def llama2c():
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 1, 4, 4
    head = dim // heads
    kv = head * kv_heads
    floats = (vocab * dim + layers * dim + layers * dim * dim + 2 * layers * kv * dim + layers * dim * dim +
              layers * dim + 3 * layers * hidden * dim + dim + seq * head)
    header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq)
    write("llama2c", "tiny_shared.bin", header + struct.pack("<%df" % floats, *[(i % 7 - 3) / 8 for i in range(floats)]))
    header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, -vocab, seq)
    floats += vocab * dim
    write("llama2c", "tiny_classifier.bin", header + struct.pack("<%df" % floats, *[(i % 5 - 2) / 4 for i in range(floats)]))
    # tokenizer.bin: <unk> <s> </s>, the 256 byte tokens, then merges; 512 entries (even-sized file).
    pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [("<0x%02X>" % b).encode() for b in range(256)]
    words = [b" ", b"e", b"t", b"a", b"o", b" t", b"th", b"he", b" the", b"Once", b" upon", b" a", b" time"]
    pieces += words + [("w%d" % i).encode() for i in range(512 - len(pieces) - len(words))]
    out = struct.pack("<i", max(len(p) for p in pieces))
    for i, p in enumerate(pieces):
        out += struct.pack("<fi", -float(i), len(p)) + p
    if len(out) % 2:
        out += b"\0"
    write("llama2c_tokenizer", "tok512.bin", out)


def policies():
    for i, spec in enumerate(["dense", "window:64", "sink:4:60", "recompute:32", "discard:4:30"]):
        write("policy", "p%d" % i, spec)


def conversations():
    convs = [
        [{"role": "system", "content": "You are Juniper."}, {"role": "user", "content": "Hello!"}],
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "\u00e9"}]},
                      {"role": "assistant", "content": None, "reasoning_content": "think",
                       "tool_calls": [{"id": "c1", "type": "function",
                                       "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
                      {"role": "tool", "tool_call_id": "c1", "content": "42", "name": "f"}]},
    ]
    for i, c in enumerate(convs):
        write("conversation_json", "c%d.json" % i, json.dumps(c, ensure_ascii=False))


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
    vocab_seeds()

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

    tokenizer_jsons()
    token_id_streams()
    hf_configs()
    llama2c()
    policies()
    conversations()


if __name__ == "__main__":
    main()
