#!/usr/bin/python3
"""How well the chat demo model follows its format: asks `sinkstream chat` for the
held-out words of chat_data.npz (words whose definitions were kept out of the
fine-tune), one turn each in one long chat, and counts the replies of the form
'"Word" is a <part of speech>. It means: <definition>.', the right part of
speech, and definitions equal to GCIDE's.

  /usr/bin/python3 tools/sinklab/chat_eval.py --bin build/release/sinkstream \\
      --model models/sinkstream-chat.gguf --data chat_data.npz [--words 100]
"""
import argparse
import json
import re
import subprocess

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="chat_data.py output (its held-out words)")
    ap.add_argument("--words", type=int, default=100)
    a = ap.parse_args()
    held = json.loads(str(np.load(a.data)["held"]))[:a.words]
    questions = "".join('What does "%s" mean?\n' % w for w, _, _ in held)
    r = subprocess.run([a.bin, "chat", "-m", a.model, "--system", "You are a helpful dictionary assistant.",
                        "--keep-system", "--cache", "sink:4:252", "--temp", "0", "-n", "64"],
                       input=questions, capture_output=True, text=True, check=True)
    replies = r.stdout.rstrip("\n").split("\n")
    form = pos_ok = exact = 0
    for (word, pos, definition), reply in zip(held, replies):
        m = re.match(r'^"(.+)" is an? ([a-z ]+)\. It means: (.+)$', reply)
        if not m or m.group(1).lower() != word.lower():
            continue
        form += 1
        pos_ok += pos.lower() in m.group(2)
        exact += definition.strip().lower() == m.group(3).strip().lower()
    print(json.dumps({"words": len(held), "replies": len(replies), "format": form, "part_of_speech": pos_ok,
                      "definition_exact": exact}))
    for (word, pos, definition), reply in list(zip(held, replies))[:5]:
        print("%s (%s: %s) -> %s" % (word, pos, definition, reply))


if __name__ == "__main__":
    main()
