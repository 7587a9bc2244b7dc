#!/usr/bin/env python3
"""Ids that llama2.c's own encoder gives the stories260K tokenizer (tok512.bin)
for a fixed set of inputs: the oracle of tests/unit/llama2c_tokenizer_oracle_test.cpp.

It writes the inputs (hex, one per line), runs the driver built from
llama2c_tok_driver.c + karpathy/llama2.c's run.c (outside the repository; see
tests/fixtures/llama2c_tokenizer/README.md), and writes the ids it printed.

Inputs: the strings below (text, whitespace, digits, punctuation, code points
outside the vocabulary, invalid UTF-8), and three 2,000-byte slices (cut at
code point boundaries) of every ../shared/text/*.txt, stored by file name and
byte range, not copied.

Usage: python3 llama2c_tokenizer_oracle.py --driver /tmp/llama2c/driver
         --tokenizer ../shared/models/stories260K/tok512.bin --shared-text ../shared/text
         --out tests/fixtures/llama2c_tokenizer/ids.json
"""

import argparse
import json
import os
import subprocess
import tempfile

STRINGS = [
    "Once upon a time",
    "Once upon a time, there was a little girl named Lily.",
    "Lily's mom said, \"Lily, let's go to the park.\"",
    "a",
    " ",
    "  ",
    "   leading spaces",
    "trailing spaces   ",
    "tab\tseparated\twords",
    "line one\nline two\n\nline four",
    "\n",
    "\r\n",
    "1234567890 42 3.14159 -7",
    "!!! ??? ... ,,, ;;; :::",
    "([{<>}])",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "the the the the the the the the",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "the quick brown fox jumps over the lazy dog",
    "supercalifragilisticexpialidocious",
    "<s> </s> <unk> <0x41>",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
    "F\u00fchrer \U0001F999 \u043d\u0435\u0449\u043e",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "e\u0301 combining acute",
    "\U0001F600\U0001F601 emoji",
    "mixed 1a2b3c!@#$%^&*()_+-=",
    "She said: \"Hello!\" and he said: 'Bye.'",
    "The dog ran. The cat sat. The bird flew away to the tree.",
    "x" * 300,
]
INVALID_UTF8 = [
    b"\x80 stray continuation",
    b"truncated \xc3",
    b"\xff\xfe bytes",
    b"ab\xe2\x82cd",
]


def slices(path, count=3, size=2000):
    data = open(path, "rb").read()
    out = []
    for k in range(count):
        start = (len(data) * k) // count
        while start < len(data) and (data[start] & 0xC0) == 0x80:
            start += 1
        end = min(len(data), start + size)
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        chunk = data[start:end]
        if b"\0" in chunk:
            continue
        out.append((start, end - start, chunk))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True, help="binary built from llama2c_tok_driver.c and run.c")
    ap.add_argument("--tokenizer", required=True, help="stories260K tok512.bin")
    ap.add_argument("--shared-text", required=True, help="../shared/text")
    ap.add_argument("--out", required=True, help="fixture JSON to write")
    ap.add_argument("--run-c-commit", default="bd182289c596fa6059eb7b3b7c8ccd04b5c90fc3", help="recorded in the fixture")
    a = ap.parse_args()

    cases = [{"text": s} for s in STRINGS] + [{"hex": b.hex()} for b in INVALID_UTF8]
    raw = [s.encode("utf-8") for s in STRINGS] + list(INVALID_UTF8)
    for name in sorted(os.listdir(a.shared_text)):
        if not name.endswith(".txt"):
            continue
        for start, length, chunk in slices(os.path.join(a.shared_text, name)):
            cases.append({"shared_text": name, "offset": start, "length": length})
            raw.append(chunk)
    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
        for b in raw:
            f.write(b.hex() + "\n")
        hex_path = f.name
    out = subprocess.run([a.driver, a.tokenizer, "512", hex_path], check=True, capture_output=True, text=True).stdout
    os.unlink(hex_path)
    lines = out.split("\n")[: len(raw)]
    assert len(lines) == len(raw), f"driver printed {len(lines)} lines for {len(raw)} inputs"
    for case, line in zip(cases, lines):
        case["ids"] = [int(x) for x in line.split()]
    fixture = {
        "what": "ids from llama2.c's bpe_encode (run.c at karpathy/llama2.c commit " + a.run_c_commit +
                ") for the stories260K tok512.bin; no BOS (run.c feeds BOS = 1 itself)",
        "vocab_size": 512,
        "cases": cases,
    }
    with open(a.out, "w", encoding="utf-8") as f:  # one case per line
        head = json.dumps({k: v for k, v in fixture.items() if k != "cases"}, ensure_ascii=False)[:-1]
        rows = ",\n  ".join(json.dumps(c, ensure_ascii=False) for c in cases)
        f.write(head + ',\n "cases": [\n  ' + rows + "\n ]\n}\n")
    json.load(open(a.out, encoding="utf-8"))  # still valid JSON
    print(f"{len(cases)} cases -> {a.out}")


if __name__ == "__main__":
    main()
