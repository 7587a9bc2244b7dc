#!/usr/bin/env python3
"""Build the chat fine-tuning set (ChatML) from GCIDE and tokenize it.

Source: Debian's dict-gcide (GPL), fetched with `apt-get download` and unpacked
with `dpkg-deb -x` into a temporary directory (nothing installed), like
build_corpus.py. Each headword entry gives a question/answer pair:

  user:      What does "arrogance" mean?          (several phrasings)
  assistant: "Arrogance" is a noun. It means: the act or habit of arrogating, ...

plus follow-ups that need the previous turn ("Spell it." -> "A-r-r-o-g-a-n-c-e."),
greetings and thanks, and a question about the assistant's name, which only the
system prompt answers ("Your name is Juniper. ..." -> "My name is Juniper.").

Every training sequence is one long conversation: [BOS], an optional system
message, then turns until `--seq` + 1 tokens; the loss mask covers the
assistant turns (content and <|im_end|>). Written as chat_data.npz:
  tokens uint16 [N][seq+1], mask uint8 [N][seq+1], plus eval pairs (held-out words).

  python3 tools/sinklab/chat_data.py --gguf models/sinkstream-default.gguf --out chat_data.npz
"""

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_write as G  # noqa: E402
from tokenizer import GPT2BPE  # noqa: E402

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
NAMES = ("Juniper Ada Basil Clover Dahlia Ember Fennel Hazel Iris Jasper Kestrel Linden Maple Nettle "
         "Orion Poppy Quill Rowan Sorrel Tansy Umber Violet Willow Yarrow Zinnia Alder Birch Cedar "
         "Indigo Juno Lark Marlow Otis Pippin Reed Sage Thistle Wren").split()
SYSTEMS = ["You are a helpful dictionary assistant.",
           "You are a concise assistant that defines English words.",
           "Answer questions about English words briefly.",
           None]
QUESTIONS = ['What does "{w}" mean?', "Define {w}.", 'What is the meaning of the word "{w}"?',
             "What does the word {w} mean?", "Can you define {w}?", "{w}?", "Meaning of {w}, please."]
POS = {"n.": "noun", "v. t.": "verb", "v. i.": "verb", "v.": "verb", "a.": "adjective", "adj.": "adjective",
       "adv.": "adverb", "prep.": "preposition", "conj.": "conjunction", "interj.": "interjection",
       "pron.": "pronoun"}
HEAD = re.compile(r"^([A-Za-z][A-Za-z'-]{2,20}) \\[^\\]*\\, ([a-z. ]+?)(?:[,;\[]|$)")


def fetch_gcide(tmp):
    subprocess.run(["apt-get", "download", "-q", "dict-gcide"], cwd=tmp, check=True, capture_output=True)
    deb = next(Path(tmp).glob("dict-gcide_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
    return gzip.decompress(next(Path(tmp).rglob("gcide.dict.dz")).read_bytes()).decode("utf-8", "replace")


def clean(text):
    text = re.sub(r"\[[^\]]*\]", " ", text)          # etymology, sources
    text = re.sub(r"[{}]", "", text)
    text = re.sub(r"--[A-Z][A-Za-z. ]*", " ", text)   # quotation authors
    return re.sub(r"\s+", " ", text).strip()


def first_sense(body):
    """The first definition sentence of an entry body (its indented lines)."""
    lines = [l.strip() for l in body.split("\n")]
    text = " ".join(l for l in lines if l)
    text = re.sub(r"\[[^\]]*\]", " ", text)          # etymology (may span lines), sources
    text = re.sub(r"^[^\[]*\]", " ", text)            # the end of one opened on the head line
    m = re.search(r"(?:^|\s)1\.\s", text)
    if m:
        text = text[m.end():]
    text = clean(text)
    text = re.sub(r"^(\([^)]*\)\s*)+", "", text)       # (Bot.) labels
    m = re.match(r"(.{12,180}?[.;])(\s|$)", text)
    if not m:
        return None
    d = m.group(1).rstrip(";.") + "."
    if not re.match(r"^[A-Za-z(]", d) or "Syn:" in d or "See" in d[:5]:
        return None
    if re.search(r"[^A-Za-z0-9 ,.;:'()-]", d) or " ." in d:
        return None
    return d if d[1:2].isupper() else d[0].lower() + d[1:]


def entries(dict_text):
    """[(word, pos, definition)], first entry per word."""
    out, seen = [], set()
    for block in dict_text.split("\n\n"):
        if not block or block[0].isspace():
            continue
        head = block.partition("\n")[0]
        m = HEAD.match(head)
        if not m:
            continue
        word, pos = m.group(1), POS.get(m.group(2).strip())
        if pos is None or word.lower() in seen:
            continue
        d = first_sense(block[m.end(2):])
        if d is None:
            continue
        seen.add(word.lower())
        out.append((word.lower(), pos, d))
    return out


def answer(word, pos, d):
    art = "an" if pos[0] in "aeiou" else "a"
    return '"%s" is %s %s. It means: %s' % (word.capitalize(), art, pos, d)


def turns_for(rng, e, name):
    """One exchange (1-2 turns) about entry e: [(user, assistant)]."""
    word, pos, d = e
    w = word if rng.random() < 0.8 else word.capitalize()
    t = [(rng.choice(QUESTIONS).format(w=w), answer(word, pos, d))]
    r = rng.random()
    if r < 0.12:
        t.append((rng.choice(["Spell it.", "How do you spell it?", "Spell that word."]),
                  "-".join(word.upper()[0] + word[1:]) + "."))
    elif r < 0.2:
        t.append((rng.choice(["What kind of word is it?", "Which part of speech is it?"]),
                  '"%s" is %s %s.' % (word.capitalize(), "an" if pos[0] in "aeiou" else "a", pos)))
    return t


def small_talk(rng, name):
    r = rng.random()
    if r < 0.3 and name:
        return (rng.choice(["What is your name?", "Who are you?", "What should I call you?", "Tell me your name."]),
                "My name is %s." % name)
    if r < 0.3:
        return (rng.choice(["What is your name?", "Who are you?"]), "I am a dictionary assistant.")
    if r < 0.55:
        return (rng.choice(["Hello!", "Hi.", "Hello there.", "Good morning!"]),
                "Hello! Ask me about an English word and I will define it.")
    if r < 0.8:
        return (rng.choice(["Thanks!", "Thank you.", "Great, thanks."]), "You are welcome.")
    return (rng.choice(["What can you do?", "How can you help me?"]),
            "I define English words. Ask me what a word means.")


def chatml(role, content):
    return "%s%s\n%s%s\n" % (IM_START, role, content, IM_END)


class Encoder:
    def __init__(self, bpe, start_id, end_id):
        self.bpe, self.start, self.end = bpe, start_id, end_id

    def turn(self, role, content):
        """Token ids of one ChatML message and the loss mask (assistant content + <|im_end|>)."""
        head = [self.start] + self.bpe.encode(role + "\n")
        body = self.bpe.encode(content)
        ids = head + body + [self.end] + self.bpe.encode("\n")
        learn = 1 if role == "assistant" else 0
        mask = [0] * len(head) + [learn] * (len(body) + 1) + [0]
        return ids, mask


def sequence(rng, enc, words, seq):
    name = rng.choice(NAMES) if rng.random() < 0.5 else None
    system = rng.choice(SYSTEMS)
    if name:
        system = "Your name is %s. %s" % (name, system or "You are a dictionary assistant.")
    ids, mask = [enc.bpe.bos_id], [0]
    if system:
        a, b = enc.turn("system", system)
        ids += a
        mask += b
    while len(ids) < seq + 1:
        pairs = [small_talk(rng, name)] if rng.random() < 0.15 else turns_for(rng, rng.choice(words), name)
        for u, r in pairs:
            for role, text in (("user", u), ("assistant", r)):
                a, b = enc.turn(role, text)
                ids += a
                mask += b
    return ids[:seq + 1], mask[:seq + 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", required=True, help="the base model (its tokenizer keys)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--sequences", type=int, default=6000)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--dict", help="an unpacked gcide.dict text (default: apt-get download dict-gcide)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    kv = G.GGUFFile(a.gguf).kv
    bpe = GPT2BPE.from_gguf_kv(kv)
    n_vocab = len(kv["tokenizer.ggml.tokens"])
    enc = Encoder(bpe, n_vocab, n_vocab + 1)  # the two added tokens follow the base vocabulary
    if a.dict:
        text = Path(a.dict).read_text(encoding="utf-8", errors="replace")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            text = fetch_gcide(tmp)
    es = entries(text)
    rng = random.Random(a.seed)
    rng.shuffle(es)
    held, train = es[:200], es[200:]
    print("entries: %d (train %d, held-out %d)" % (len(es), len(train), len(held)), flush=True)
    toks = np.zeros((a.sequences, a.seq + 1), dtype=np.uint16)
    mask = np.zeros((a.sequences, a.seq + 1), dtype=np.uint8)
    for i in range(a.sequences):
        t, m = sequence(rng, enc, train, a.seq)
        toks[i], mask[i] = t, m
        if i % 1000 == 0:
            print("sequence %d" % i, flush=True)
    np.savez_compressed(a.out, tokens=toks, mask=mask, held=np.array(json.dumps(held)),
                        train_sample=np.array(json.dumps(train[:50])))
    print("wrote %s: %d sequences, %d assistant tokens; example:\n%s" %
          (a.out, a.sequences, int(mask.sum()), chatml("assistant", answer(*train[0]))), flush=True)


if __name__ == "__main__":
    main()
