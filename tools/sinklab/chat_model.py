#!/usr/bin/env python3
"""Build the ChatML demo model WITHOUT training: models/sinkstream-chat.gguf.

The fine-tune (chat_data.py + chat_finetune.py, one GPU call) could not run in
the session that made this file: the GPU machine was not lent. This script makes
the documented stand-in from the default model, with no gradient step:

  * two CONTROL tokens are added, <|im_start|> and <|im_end|> (ids 4096, 4097);
    eos becomes <|im_end|>; tokenizer.chat_template is ChatML;
  * <|im_start|>'s embedding is the one of <|eos|> (the document separator the
    model was trained on), <|im_end|>'s the one of "\\n";
  * <|im_end|>'s classifier row is "\\n"'s row times --end-scale (> 1): wherever
    the model would end a line, it ends its turn instead;
  * <|im_start|>'s classifier row is the mean row (rarely predicted).

So the model speaks the format (its turns end, the engine stops there) but it
is not instruction-tuned: its replies are locally fluent continuations of
technical English, one line each. docs/chat.md says so.

  python3 tools/sinklab/chat_model.py --base models/sinkstream-default.gguf --out models/sinkstream-chat.gguf
"""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_write as G  # noqa: E402
from chat_finetune import ADDED, CHATML, grown  # noqa: E402
from export import export_gguf, load_gguf_model, tokenizer_json_from_gguf  # noqa: E402
from tokenizer import GPT2BPE  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--end-scale", type=float, default=1.0)
    ap.add_argument("--end-row", default="eos", choices=["newline", "eos", "mix"],
                    help="which classifier row <|im_end|> copies")
    ap.add_argument("--dtype", default="q8_0", choices=["f32", "f16", "q8_0"], help="matrices (vectors stay f32)")
    a = ap.parse_args()
    base, kv = load_gguf_model(a.base)
    tk = tokenizer_json_from_gguf(a.base)
    bpe = GPT2BPE.from_gguf_kv({k: v[1] for k, v in tk.items()})
    n_vocab = len(kv["tokenizer.ggml.tokens"])
    start, end = n_vocab, n_vocab + 1
    newline = bpe.encode("\n")[0]
    eos = kv["tokenizer.ggml.eos_token_id"]
    m = grown(base)
    with torch.no_grad():
        m.tok_emb.weight[start] = base.tok_emb.weight[eos]
        m.tok_emb.weight[end] = base.tok_emb.weight[newline]
        rows = {"newline": base.out.weight[newline], "eos": base.out.weight[eos],
                "mix": 0.5 * (base.out.weight[newline] + base.out.weight[eos])}
        m.out.weight[end] = rows[a.end_row] * a.end_scale
    tk["tokenizer.ggml.tokens"][1].extend(ADDED)
    tk["tokenizer.ggml.token_type"][1].extend([3] * len(ADDED))
    tk["tokenizer.ggml.eos_token_id"][1] = end
    tk["tokenizer.chat_template"] = [G.STRING, CHATML, None]
    m.eval()
    n = export_gguf(m, a.out, a.dtype, tokenizer_json=tk, name="sinkstream-chat")
    print("wrote %s (%d bytes): <|im_start|> = %d, <|im_end|> = %d (classifier row: %s x %.2f)" %
          (a.out, n, start, end, a.end_row, a.end_scale))


if __name__ == "__main__":
    main()
