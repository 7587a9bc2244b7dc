#!/usr/bin/env python3
"""CPU smoke test of the sinklab pipeline (PyTorch >= 1.13, no GPU, a few seconds).

For each variant: train a tiny model for a few steps on a short text, export it
as f32 GGUF, load it back, and check that
  * the reloaded model's logits equal the trained model's (exactly, f32),
  * the KV-cache streaming evaluator (measure.stream_nll) reproduces the full
    forward's NLL while no token has been evicted (1e-4),
  * the pure-Python BPE encoder round-trips the text.
Writes <out>/sinklab-<variant>.gguf and <out>/logits-<variant>.json ({ids, logits}
from the PyTorch forward) for the C++ engine to compare against (1e-4).

  python3 tools/sinklab/smoke_test.py --out /tmp/sinklab-smoke [--text FILE] [--tokenizer-from X.gguf]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import tokenizer as T  # noqa: E402
import train as TR  # noqa: E402
from export import export_gguf, load_gguf_model, tokenizer_json_from_gguf  # noqa: E402
from measure import stream_nll  # noqa: E402
from model import VARIANTS  # noqa: E402

SAMPLE = ("It is a truth universally acknowledged, that a single man in possession of a good "
          "fortune, must be in want of a wife. However little known the feelings or views of such "
          "a man may be on his first entering a neighbourhood, this truth is so well fixed in the "
          "minds of the surrounding families, that he is considered as the rightful property of "
          "some one or other of their daughters.\n") * 8


def byte_tokenizer_kv():
    b2u = T.bytes_to_unicode()
    tokens = [T.BOS, T.EOS] + [b2u[b] for b in range(256)]
    return T.make_kv(tokens, [])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/sinklab-smoke")
    ap.add_argument("--text", help="training text (default: a built-in paragraph)")
    ap.add_argument("--tokenizer-from", help="GGUF whose tokenizer to use (default: 258-token byte-level toy)")
    ap.add_argument("--steps", type=int, default=4)
    a = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    out = Path(a.out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    kv = tokenizer_json_from_gguf(a.tokenizer_from) if a.tokenizer_from else byte_tokenizer_kv()
    kv = {k: tuple(v) for k, v in kv.items()}
    bpe = T.GPT2BPE.from_gguf_kv(T.kv_plain(kv))
    text = Path(a.text).read_text() if a.text else SAMPLE
    ids = bpe.encode(text)
    assert bpe.decode(ids) == text, "BPE round trip failed"
    arr = np.asarray(ids + [bpe.eos_id], dtype="<u2")
    arr.tofile(out / "data" / "train.u16")
    arr.tofile(out / "data" / "heldout.u16")
    meta = {"bos_id": bpe.bos_id, "eos_id": bpe.eos_id, "vocab_size": len(bpe.tokens)}
    (out / "data" / "meta.json").write_text(json.dumps(meta))
    args = TR.parse_args(["--data", str(out / "data"), "--out", str(out), "--device", "cpu",
                          "--variants", "all", "--dim", "64", "--layers", "2", "--heads", "4",
                          "--kv-heads", "2", "--ffn", "96", "--seq", "32", "--batch", "4",
                          "--steps", str(a.steps), "--warmup", "2", "--lr", "3e-3",
                          "--eval-every", str(a.steps), "--eval-windows", "4"])
    meta, data = TR.load_data(args.data, torch.device("cpu"))
    models, hist, _ = TR.train(args, meta, data, torch.device("cpu"), log_every=a.steps)
    probe = [bpe.bos_id] + ids[:23]
    worst = 0.0
    for v in VARIANTS:
        m = models[v].eval()
        if v == "sink-logit":            # make the learned logits matter in the checks
            with torch.no_grad():
                for l in m.layers:
                    l.attn.sinks.copy_(torch.linspace(-1.0, 1.5, l.attn.sinks.numel()))
        g = out / ("sinklab-%s.gguf" % v)
        export_gguf(m, g, "f32", tokenizer_json=kv, name="smoke-%s" % v)
        m2, kv2 = load_gguf_model(g)
        assert kv2["general.architecture"] == "llama"
        x = torch.tensor([probe])
        with torch.no_grad():
            l1, l2 = m(x), m2(x)
        d = (l1 - l2).abs().max().item()
        assert d == 0.0, "%s: reloaded logits differ by %g" % (v, d)
        # streaming evaluator vs full forward (cache larger than the sequence: no eviction)
        toks = torch.tensor(ids[:24])
        with torch.no_grad():
            full = F.cross_entropy(m2(torch.tensor([[bpe.bos_id] + ids[:23]]))[0], toks, reduction="mean").item()
        st = stream_nll(m2, toks, bpe.bos_id, ["window:30", "sink:4:26", "sink:1:29"], n_streams=1,
                        stream_len=24)
        for p in ("window:30", "sink:4:26", "sink:1:29"):
            e = abs(st[p]["nll"] - full)
            worst = max(worst, e)
            assert e < 1e-4, "%s %s: streaming NLL %.6f vs full %.6f" % (v, p, st[p]["nll"], full)
        # eviction must change something for a sequence longer than the cache
        st2 = stream_nll(m2, toks, bpe.bos_id, ["window:8", "sink:4:4"], n_streams=1, stream_len=24)
        (out / ("logits-%s.json" % v)).write_text(json.dumps(
            {"variant": v, "ids": probe, "logits": [[float(z) for z in r] for r in l2[0]]}))
        print("%-10s ok: export/reload exact, stream==full (|d| %.2e), window:8 %.4f sink:4:4 %.4f" %
              (v, e, st2["window:8"]["nll"], st2["sink:4:4"]["nll"]))
    print("smoke test passed in %.1fs (worst stream-vs-full %.2e)" % (time.time() - t0, worst))


if __name__ == "__main__":
    main()
