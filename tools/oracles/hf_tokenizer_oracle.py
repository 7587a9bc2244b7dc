#!/usr/bin/env python3
"""tokenizer.json files made by transformers' own GGUF -> HF tokenizer
conversion (transformers.integrations.ggml.convert_gguf_tokenizer) of the vocab
files in ../shared/vocab, and HF tokenizers' ids for their `.inp` strings: the
oracle planned for a tokenizer.json test (not yet run; see docs/reliability.md).

The GGUF metadata is read by gguf_meta.py (the `gguf` package that transformers
uses for this is not installed where transformers is); the tokenizer fields
are renamed with transformers' own GGUF_TOKENIZER_MAPPING and handed, with the
file's general.architecture, to convert_gguf_tokenizer, as
AutoTokenizer.from_pretrained(..., gguf_file=...) does. Architectures
transformers has no GGUF tokenizer converter for are reported and skipped.
The one change: `tokens` is a list whose `in` test uses a set (the converter
builds SentencePiece merges with `piece in tokens`, quadratic on a plain list);
the merges it builds are the same.

For each converted vocab NAME it writes, under --out:
  NAME/tokenizer.json  the converted tokenizer (Tokenizer.save); NOT committed
                       (it is a re-encoding of ../shared/vocab, which must not
                       be copied into the repository)
  NAME/skeleton.json   tokenizer.json with model.vocab and model.merges taken
                       out, plus the CRC-32s of both (see canonical_* below), so
                       a test can rebuild the file from the GGUF in ../shared
                       and prove the rebuild equals HF's file
  NAME/ids.json        {"ids": [[...] per .inp string]} from
                       tokenizers.Tokenizer.from_file(tokenizer.json)
                       .encode(s, add_special_tokens=False).ids
and manifest.json (versions, per-vocab converter, counts, skipped ones).

Usage: python3 hf_tokenizer_oracle.py --vocab ../shared/vocab --out DIR
"""

import argparse
import json
import os
import sys
import time
import traceback
import zlib

import gguf_meta

SEP = "\n__ggml_vocab_test__\n"


class FastContainsList(list):
    """A list whose `x in l` is a set lookup (same answer, O(1))."""

    def __init__(self, items):
        super().__init__(items)
        self._set = set(items)

    def __contains__(self, x):
        return x in self._set


def canonical_vocab(vocab: dict) -> bytes:
    """model.vocab as bytes: 'token\\0id\\n' for every entry, by increasing id."""
    return b"".join(t.encode("utf-8") + b"\0" + str(i).encode() + b"\n" for t, i in sorted(vocab.items(), key=lambda kv: kv[1]))


def canonical_merges(merges: list) -> bytes:
    """model.merges as bytes: 'left\\0right\\n' in file order (pairs or 'a b' strings)."""
    out = []
    for m in merges:
        left, right = (m.split(" ", 1) if isinstance(m, str) else m)
        out.append(left.encode("utf-8") + b"\0" + right.encode("utf-8") + b"\n")
    return b"".join(out)


def tokenizer_dict(meta: dict, mapping: dict) -> dict:
    d = {}
    for key, name in mapping.items():
        full = "tokenizer." + key
        if full in meta and name is not None:
            d[name] = meta[full]
    if "tokens" in d:
        d["tokens"] = FastContainsList(d["tokens"])
    return d


def split_inputs(path: str) -> list:
    with open(path, encoding="utf-8", newline="") as f:
        parts = f.read().split(SEP)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", required=True, help="folder of ggml-vocab-*.gguf files with .inp strings")
    ap.add_argument("--out", required=True, help="output folder")
    a = ap.parse_args()
    import tokenizers
    import transformers
    from transformers.integrations.ggml import GGUF_TO_FAST_CONVERTERS, GGUF_TOKENIZER_MAPPING, convert_gguf_tokenizer

    manifest = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                "vocabs": {}, "skipped": {}, "failed": {}}
    for fname in sorted(os.listdir(a.vocab)):
        if not fname.endswith(".gguf"):
            continue
        name = fname[: -len(".gguf")]
        inp = os.path.join(a.vocab, fname + ".inp")
        t0 = time.time()
        try:
            meta = gguf_meta.read_metadata(os.path.join(a.vocab, fname))
            arch = meta["general.architecture"]
            if arch not in GGUF_TO_FAST_CONVERTERS:
                manifest["skipped"][name] = f"architecture {arch!r}: transformers has no GGUF tokenizer converter"
                print(name, "skipped:", manifest["skipped"][name], flush=True)
                continue
            d = tokenizer_dict(meta, GGUF_TOKENIZER_MAPPING["tokenizer"])
            fast, _ = convert_gguf_tokenizer(arch, d)
            out = os.path.join(a.out, name)
            os.makedirs(out, exist_ok=True)
            tj = os.path.join(out, "tokenizer.json")
            fast.save(tj)
            tok = tokenizers.Tokenizer.from_file(tj)
            strings = split_inputs(inp) if os.path.exists(inp) else []
            ids = [tok.encode(s, add_special_tokens=False).ids for s in strings]
            with open(tj, encoding="utf-8") as f:
                full = json.load(f)
            vocab, merges = full["model"].get("vocab"), full["model"].get("merges")
            skeleton = dict(full)
            skeleton["model"] = {k: v for k, v in full["model"].items() if k not in ("vocab", "merges")}
            skeleton["sinkstream_oracle"] = {
                "source": fname,
                "architecture": arch,
                "converter": GGUF_TO_FAST_CONVERTERS[arch].__name__,
                "vocab_entries": len(vocab) if vocab is not None else None,
                "vocab_crc32": zlib.crc32(canonical_vocab(vocab)) if vocab is not None else None,
                "merges_entries": len(merges) if merges is not None else None,
                "merges_crc32": zlib.crc32(canonical_merges(merges)) if merges is not None else None,
                "merges_style": None if not merges else ("string" if isinstance(merges[0], str) else "pair"),
            }
            with open(os.path.join(out, "skeleton.json"), "w", encoding="utf-8") as f:
                json.dump(skeleton, f, ensure_ascii=False, indent=1)
            with open(os.path.join(out, "ids.json"), "w") as f:
                json.dump({"inputs": len(strings), "ids": ids}, f)
            info = dict(skeleton["sinkstream_oracle"])
            info.update({"inputs": len(strings), "tokenizer_json_bytes": os.path.getsize(tj),
                         "seconds": round(time.time() - t0, 2)})
            manifest["vocabs"][name] = info
            print(name, json.dumps(info), flush=True)
        except Exception:
            manifest["failed"][name] = traceback.format_exc()
            print(name, "FAILED\n" + manifest["failed"][name], flush=True)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
