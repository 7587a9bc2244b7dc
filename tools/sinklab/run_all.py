#!/usr/bin/env python3
"""The whole sinklab experiment in one process, for one GPU call within a deadline:

  corpus.tar.xz -> HF byte-level BPE tokenizer -> token streams
  -> train all variants in lockstep (same batches, same steps) until the deadline
  -> export GGUF (f16) -> measure every variant -> results.json

Files written to --out (the device's $OUT; at most 8 come back):
  results.json, tokenizer.json,
  sinklab-softmax.gguf.part0/1, sinklab-sink-token.gguf.part0/1 (f16, split at 15 MiB)
Everything else (all GGUFs, checkpoints with optimizer state, token streams) goes to --work.

  python3 tools/sinklab/run_all.py --corpus corpus.tar.xz --out $OUT --work /tmp/sinklab \
      --budget 560
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

T_START = time.time()
sys.path.insert(0, str(Path(__file__).resolve().parent))

SEP = "\x1e\n"
PART_MAX = 16 * 1024 * 1024 - 4096     # device transfer limit: 16 MiB per file


def log(*a):
    print("[%6.1fs]" % (time.time() - T_START), *a, flush=True)


def read_docs(path):
    text = Path(path).read_text(encoding="utf-8")
    docs = text.split(SEP)
    if docs and not docs[-1].strip():
        docs.pop()
    return docs


def split_file(path, out_dir):
    data = Path(path).read_bytes()
    n = max(1, -(-len(data) // PART_MAX))
    size = -(-len(data) // n)
    parts = []
    for i in range(n):
        p = Path(out_dir) / ("%s.part%d" % (Path(path).name, i))
        p.write_bytes(data[i * size:(i + 1) * size])
        parts.append(p.name)
    return parts


def prepare(args, res):
    import numpy as np
    import tokenizer as T
    work = Path(args.work)
    cdir = work / "corpus"
    cdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-xJf", args.corpus, "-C", str(cdir)], check=True)
    train_docs = read_docs(cdir / "train.txt")
    held_docs = read_docs(cdir / "heldout.txt")
    man = [l.split("\t") for l in (cdir / "manifest.tsv").read_text().splitlines()[1:]]
    held_ids = [r[0] for r in man if r[2] == "heldout"]
    assert len(held_ids) == len(held_docs), (len(held_ids), len(held_docs))
    log("corpus: %d train docs (%d chars), %d held-out docs (%d chars)" %
        (len(train_docs), sum(map(len, train_docs)), len(held_docs), sum(map(len, held_docs))))
    if args.tokenizer:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(args.tokenizer)
        log("tokenizer loaded from %s: vocab %d" % (args.tokenizer, tok.get_vocab_size()))
    else:
        tok = T.train_hf(iter(train_docs), args.vocab)
        log("tokenizer trained: vocab %d" % tok.get_vocab_size())
    tok.save(str(Path(args.out) / "tokenizer.json"))
    kv = T.gguf_tokenizer_kv_from_hf(tok)
    (work / "data").mkdir(exist_ok=True)
    (work / "data" / "tokenizer_kv.json").write_text(json.dumps(kv))
    bos, eos = kv["tokenizer.ggml.bos_token_id"][1], kv["tokenizer.ggml.eos_token_id"][1]

    def encode(docs):
        encs = tok.encode_batch(docs, add_special_tokens=False)
        ids = []
        for e in encs:
            ids.extend(e.ids)
            ids.append(eos)
        return np.asarray(ids, dtype="<u2"), encs

    tr, _ = encode(train_docs)
    he, henc = encode(held_docs)
    stream = np.asarray(henc[held_ids.index("austen/persuasion")].ids, dtype="<u2")
    tr.tofile(work / "data" / "train.u16")
    he.tofile(work / "data" / "heldout.u16")
    stream.tofile(work / "data" / "stream.u16")
    meta = {"bos_id": bos, "eos_id": eos, "vocab_size": len(kv["tokenizer.ggml.tokens"][1])}
    assert meta["vocab_size"] == tok.get_vocab_size(), (meta, tok.get_vocab_size())
    (work / "data" / "meta.json").write_text(json.dumps(meta))
    tb = sum(len(d.encode("utf-8")) for d in train_docs)
    res["data"] = {"train_tokens": int(tr.size), "heldout_tokens": int(he.size),
                   "stream_tokens(persuasion)": int(stream.size), "train_bytes": tb,
                   "bytes_per_token": tb / tr.size, "vocab": meta["vocab_size"], "bos_id": bos, "eos_id": eos}
    log("tokens: train %d heldout %d stream %d (%.2f bytes/token)" %
        (tr.size, he.size, stream.size, tb / tr.size))
    # the GGUF metadata must reproduce HF's ids: check with the pure-Python encoder
    bpe = T.GPT2BPE.from_gguf_kv(T.kv_plain(kv))
    sample = [d[:10000] for d in held_docs[:30]] + T.TEST_STRINGS
    mism, total = 0, 0
    first_bad = None
    for s in sample:
        a = tok.encode(s, add_special_tokens=False).ids
        b = bpe.encode(s)
        total += 1
        if a != b:
            mism += 1
            first_bad = first_bad or s[:200]
    res["tokenizer_check"] = {"strings": total, "mismatches": mism, "first_mismatch": first_bad,
                              "chars": sum(map(len, sample))}
    res["tokenizer_tests"] = [{"text": s, "ids": tok.encode(s, add_special_tokens=False).ids}
                              for s in T.TEST_STRINGS]
    log("tokenizer check (pure-Python encoder from GGUF keys vs HF): %d/%d strings differ" % (mism, total))
    return kv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="/tmp/sinklab")
    ap.add_argument("--budget", type=float, default=560, help="seconds from start to finish everything")
    ap.add_argument("--post", type=float, default=120, help="seconds reserved after training")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--tokenizer", help="HF tokenizer.json from an earlier run (instead of training one)")
    ap.add_argument("--train-args", default="", help="extra train.py arguments")
    ap.add_argument("--stream-len", type=int, default=2500)
    ap.add_argument("--streams", type=int, default=8)
    a = ap.parse_args()
    Path(a.out).mkdir(parents=True, exist_ok=True)
    Path(a.work).mkdir(parents=True, exist_ok=True)
    res = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv}
    rpath = Path(a.out) / "results.json"

    def save():
        rpath.write_text(json.dumps(res, indent=1))

    kv = prepare(a, res)
    save()

    import torch
    import train as TR
    from export import export_gguf
    from measure import measure_all
    res["torch"] = torch.__version__
    res["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    targs = TR.parse_args(["--data", str(Path(a.work) / "data"), "--out", a.work,
                           "--variants", "all"] + a.train_args.split())
    res["train_args"] = vars(targs)
    device = torch.device(targs.device)
    meta, data = TR.load_data(targs.data, device)
    import numpy as np
    data["stream"] = torch.from_numpy(np.fromfile(Path(targs.data) / "stream.u16", dtype="<u2")
                                      .astype("int64")).to(device)
    deadline = T_START + a.budget - a.post
    log("training until %.0fs" % (deadline - T_START))
    models, hist, opts = TR.train(targs, meta, data, device, deadline)
    res["history"] = hist
    res["train_info"] = {v: m.train_info for v, m in models.items()}
    save()
    log("training done")
    res["files"] = {}
    for v, m in models.items():
        g = Path(a.work) / ("sinklab-%s.gguf" % v)
        n = export_gguf(m, g, "f16", tokenizer_json=kv, name="sinklab-%s" % v)
        if v in ("softmax", "sink-token"):
            res["files"][v] = {"bytes": n, "parts": split_file(g, a.out)}
        log("exported %s: %d bytes" % (g, n))
    save()
    res["results"] = {}
    for v in [v for v in ("softmax", "sink-token", "softmax1", "sink-logit", "gate") if v in models]:
        left = T_START + a.budget - time.time()
        skip = left < 25
        if skip:
            log("skipping streaming eval for %s (%.0fs left)" % (v, left))
        res["results"][v] = measure_all(models[v], data, meta["bos_id"], log=log,
                                        n_streams=a.streams, stream_len=a.stream_len, skip_stream=skip)
        save()
    for v, m in models.items():       # stays on the device machine (too large to return)
        TR.save_checkpoint(m, opts[v], Path(a.work) / ("ckpt-%s.pt" % v))
    res["finished_s"] = time.time() - T_START
    save()
    log("all done")
    # short table for the output tail
    for v, r in res["results"].items():
        st = r.get("stream", {})
        log("%-10s held %.4f train %.4f sr %.3f max1st %.3f act %.0f | %s" % (
            v, r["heldout_loss"], r["train_loss"], r["sink_rate"], r["max_first_mass"], r["max_act_ratio"],
            " ".join("%s=%.4f/%.4f" % (p, s["nll"], s["nll_after_window"]) for p, s in st.items()
                     if not p.startswith("_"))))


if __name__ == "__main__":
    main()
