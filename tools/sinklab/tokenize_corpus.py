#!/usr/bin/env python3
"""Tokenize a built corpus with the tokenizer stored in a GGUF file (pure Python,
no HF tokenizers needed) into the token streams train.py / measure.py read:
  train.u16, heldout.u16, stream.u16 (Persuasion), meta.json, tokenizer_kv.json
The pure-Python encoder matched HF tokenizers on every checked string (run_all.py's
tokenizer_check).  Slow (about 1 MB of text per 10-20 s): use --no-train for
measurement-only runs.

  tokenize_corpus.py --corpus /tmp/sinklab-corpus --gguf models/sinkstream-default.gguf --out DIR [--no-train]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tokenizer as T  # noqa: E402
from export import tokenizer_json_from_gguf  # noqa: E402

SEP = "\x1e\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="build_corpus.py output directory")
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-train", action="store_true", help="write an empty-ish train stream (first 1 MB only)")
    a = ap.parse_args()
    kvj = tokenizer_json_from_gguf(a.gguf)
    bpe = T.GPT2BPE.from_gguf_kv({k: v[1] for k, v in kvj.items()})
    c, out = Path(a.corpus), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    man = [l.split("\t") for l in (c / "manifest.tsv").read_text().splitlines()[1:]]
    held_ids = [r[0] for r in man if r[2] == "heldout"]
    for split in ("heldout", "train"):
        text = (c / (split + ".txt")).read_text(encoding="utf-8")
        if split == "train" and a.no_train:
            text = text[:1000000]
        docs = [d for d in text.split(SEP) if d.strip()]
        ids = []
        for i, d in enumerate(docs):
            e = bpe.encode(d)
            if split == "heldout" and held_ids[i] == "austen/persuasion":
                np.asarray(e, dtype="<u2").tofile(out / "stream.u16")
            ids.extend(e)
            ids.append(bpe.eos_id)
        np.asarray(ids, dtype="<u2").tofile(out / (split + ".u16"))
        print(split, len(docs), "docs", len(ids), "tokens", flush=True)
    (out / "meta.json").write_text(json.dumps({"bos_id": bpe.bos_id, "eos_id": bpe.eos_id,
                                               "vocab_size": len(bpe.tokens)}))
    (out / "tokenizer_kv.json").write_text(json.dumps(kvj))


if __name__ == "__main__":
    main()
