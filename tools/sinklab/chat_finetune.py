#!/usr/bin/env python3
"""Fine-tune a sinklab GGUF into a ChatML chat model (one GPU call).

1. Loads the base model (models/sinkstream-default.gguf) and grows its vocabulary
   by two CONTROL tokens, <|im_start|> and <|im_end|> (ids n_vocab, n_vocab+1).
   Their embedding rows and classifier rows start as the mean of the existing rows.
2. Trains on chat_data.npz (chat_data.py): loss on the assistant turns only, a
   fixed step count with a cosine schedule, bf16 autocast on CUDA.
3. Measures the held-out masked loss, and greedy replies for held-out words and
   for the system-prompt name question (samples.json).
4. Exports a GGUF (q8_0 matrices by default, --dtype) with the tokenizer keys of the base plus the added tokens,
   eos = <|im_end|>, and a ChatML tokenizer.chat_template.

  PYTHONUNBUFFERED=1 python3 chat_finetune.py --base sinkstream-default.gguf --data chat_data.npz \
      --out OUTDIR [--steps 1500 --batch 64 --lr 6e-4 --deadline-s 240]
"""

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_write as G  # noqa: E402
from export import export_gguf, load_gguf_model, tokenizer_json_from_gguf  # noqa: E402
from model import Config, Model, fast_path_ok  # noqa: E402
from tokenizer import GPT2BPE  # noqa: E402

CHATML = ("{%- for message in messages %}"
          "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          "{%- endfor %}"
          "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
ADDED = ["<|im_start|>", "<|im_end|>"]


def log(*a):
    print("[%s]" % time.strftime("%H:%M:%S"), *a, flush=True)


def grown(base):
    """A copy of `base` with two more vocabulary rows (mean-initialized)."""
    cfg = Config(**{**base.cfg.to_dict(), "vocab_size": base.cfg.vocab_size + len(ADDED)})
    m = Model(cfg)
    sd = base.state_dict()
    new = m.state_dict()
    with torch.no_grad():
        for k, v in sd.items():
            if k in ("tok_emb.weight", "out.weight"):
                new[k][:v.shape[0]] = v
                new[k][v.shape[0]:] = v.mean(dim=0, keepdim=True)
            else:
                new[k].copy_(v)
    m.load_state_dict(new)
    return m


def lr_at(step, total, peak, warmup, floor=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def masked_loss(model, tok, mask, amp):
    x, y, w = tok[:, :-1], tok[:, 1:], mask[:, 1:].float()
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else torch.autocast("cpu", enabled=False)
    with ctx:
        lg = model(x)
    nll = F.cross_entropy(lg.float().reshape(-1, lg.shape[-1]), y.reshape(-1), reduction="none")
    return (nll * w.reshape(-1)).sum() / w.sum().clamp(min=1)


@torch.no_grad()
def greedy_reply(model, ids, end_id, device, max_new=60):
    out = []
    for _ in range(max_new):
        x = torch.tensor([(ids + out)[-500:]], device=device)
        nxt = int(model(x)[0, -1].float().argmax())
        if nxt == end_id:
            break
        out.append(nxt)
    return out


def chat_ids(bpe, start, end, msgs):
    ids = [bpe.bos_id]
    for role, text in msgs:
        ids += [start] + bpe.encode(role + "\n" + text) + [end] + bpe.encode("\n")
    return ids + [start] + bpe.encode("assistant\n")


def samples(model, bpe, start, end, held, device, n=12, max_new=60):
    model.eval()
    out = []
    for word, pos, d in held[:n]:
        msgs = [("system", "You are a helpful dictionary assistant."), ("user", 'What does "%s" mean?' % word)]
        r = bpe.decode(greedy_reply(model, chat_ids(bpe, start, end, msgs), end, device, max_new))
        out.append({"word": word, "reference": d, "reply": r})
    names = []
    rng = random.Random(7)
    for name in ("Juniper", "Orion", "Wren", "Poppy", "Bartholomew", "Quentin")[:max(1, n // 2)]:
        msgs = [("system", "Your name is %s. You are a dictionary assistant." % name)]
        for word, _, _ in rng.sample(held, 3):
            msgs += [("user", "Define %s." % word), ("assistant", "I do not know.")]
        msgs.append(("user", "What is your name?"))
        r = bpe.decode(greedy_reply(model, chat_ids(bpe, start, end, msgs), end, device, max_new))
        names.append({"name": name, "reply": r, "correct": ("My name is %s." % name) == r.strip()})
    model.train()
    return {"definitions": out, "names": names}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--deadline-s", type=float, default=240, help="stop training after this many seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=12, help="held-out words to answer greedily after training")
    ap.add_argument("--sample-tokens", type=int, default=60)
    ap.add_argument("--dtype", default="q8_0", choices=["f32", "f16", "q8_0"],
                    help="GGUF type of the exported matrices (vectors stay f32); q8_0 as models/ ships")
    a = ap.parse_args()
    t0 = time.time()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda"
    torch.manual_seed(a.seed)
    base, kv = load_gguf_model(a.base)
    model = grown(base).to(device)
    ok, diff = fast_path_ok(model, device)
    model.set_fast(ok)
    log("device %s, fast attention path %s (max diff %s), params %d" % (device, ok, diff, model.n_params()))
    d = np.load(a.data)
    tok = torch.from_numpy(d["tokens"].astype(np.int64))
    mask = torch.from_numpy(d["mask"].astype(np.int64))
    held = json.loads(str(d["held"]))
    n_eval = min(64, tok.shape[0] // 10)
    etok, emask = tok[:n_eval].to(device), mask[:n_eval].to(device)
    ttok, tmask = tok[n_eval:].to(device), mask[n_eval:].to(device)
    V0 = len(kv["tokenizer.ggml.tokens"])
    start, end = V0, V0 + 1
    tk = tokenizer_json_from_gguf(a.base)
    bpe = GPT2BPE.from_gguf_kv({k: v[1] for k, v in tk.items()})

    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=a.wd)
    g = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        model.eval()
        before = masked_loss(model, etok, emask, amp).item()
        model.train()
    log("held-out assistant loss before: %.4f" % before)
    hist, step, t_train = [], 0, time.time()
    while step < a.steps:
        lr = lr_at(step, a.steps, a.lr, a.warmup)
        for pg in opt.param_groups:
            pg["lr"] = lr
        idx = torch.randint(0, ttok.shape[0], (a.batch,), generator=g).to(device)
        loss = masked_loss(model, ttok[idx], tmask[idx], amp)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if step % 100 == 0 or step == a.steps:
            with torch.no_grad():
                model.eval()
                el = masked_loss(model, etok, emask, amp).item()
                model.train()
            hist.append({"step": step, "train_loss": loss.item(), "heldout_loss": el, "lr": lr})
            log("step %d/%d lr %.2e train %.4f held-out %.4f" % (step, a.steps, lr, loss.item(), el))
        if time.time() - t_train > a.deadline_s:
            log("deadline: stopping at step %d" % step)
            break
    train_s = time.time() - t_train
    s = samples(model, bpe, start, end, held, device, a.samples, a.sample_tokens)
    for r in s["definitions"][:6]:
        log("%s -> %s" % (r["word"], r["reply"]))
    for r in s["names"]:
        log("name %s -> %s" % (r["name"], r["reply"]))

    tk["tokenizer.ggml.tokens"][1].extend(ADDED)
    tk["tokenizer.ggml.token_type"][1].extend([3] * len(ADDED))
    tk["tokenizer.ggml.eos_token_id"][1] = end
    tk["tokenizer.chat_template"] = [G.STRING, CHATML, None]
    model.eval()
    n = export_gguf(model.float().cpu(), str(out / "sinkstream-chat.gguf"), a.dtype, tokenizer_json=tk,
                    name="sinkstream-chat")
    result = {"steps": step, "batch": a.batch, "seq": int(tok.shape[1] - 1), "lr": a.lr, "train_seconds": train_s,
              "sequences": int(tok.shape[0]), "heldout_loss_before": before, "history": hist, "samples": s,
              "device": torch.cuda.get_device_name(0) if amp else "cpu", "torch": torch.__version__,
              "gguf_bytes": n, "total_seconds": time.time() - t0}
    (out / "finetune.json").write_text(json.dumps(result, indent=1))
    log("wrote %s (%d bytes), finetune.json" % (out / "sinkstream-chat.gguf", n))


if __name__ == "__main__":
    main()
