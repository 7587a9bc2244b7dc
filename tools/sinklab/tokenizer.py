"""Byte-level BPE tokenizer for sinklab.

* train_hf():  trains with HF `tokenizers` (GPU machine: tokenizers 0.23), GPT-2
  pre-tokenizer regex and GPT-2 byte-to-unicode mapping, no prefix space.
* gguf_tokenizer_kv(): the GGUF tokenizer metadata exactly as llama.cpp's GGUF
  files carry it (tokenizer.ggml.model = "gpt2", tokens, token_type, merges, ids).
* GPT2BPE: a pure-Python encoder/decoder built from those GGUF keys (standard
  library only), used to check that the GGUF metadata reproduces HF's ids and by
  the CPU smoke test.

Special tokens: id 0 "<|bos|>" (BOS, CONTROL), id 1 "<|eos|>" (EOS / document
separator, CONTROL).  Ids 2..257 are the 256 byte tokens, then the merges.
"""

import json
import unicodedata

BOS, EOS = "<|bos|>", "<|eos|>"
TOKEN_NORMAL, TOKEN_CONTROL = 1, 3

# Unicode White_Space (what the Rust/Oniguruma regex's \s matches); Python's
# str.isspace() also accepts U+001C..U+001F, which \s does not.
_WS = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
          "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character mapping."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def _is_l(c):
    return unicodedata.category(c)[0] == "L"


def _is_n(c):
    return unicodedata.category(c)[0] == "N"


def _is_other(c):
    return c not in _WS and not _is_l(c) and not _is_n(c)


def gpt2_split(text):
    """Hand-written equivalent of the GPT-2 pre-tokenizer regex
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'" and i + 1 < n:
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if text.startswith(suf, i + 1):
                    out.append(text[i:i + 1 + len(suf)])
                    i += 1 + len(suf)
                    break
            else:
                suf = None
            if suf is not None:
                continue
        j = i + 1 if (c == " " and i + 1 < n) else i
        d = text[j]
        cls = None
        if j == i + 1 or c != " ":
            if _is_l(d):
                cls = _is_l
            elif _is_n(d):
                cls = _is_n
            elif _is_other(d):
                cls = _is_other
        if cls is not None:
            k = j + 1
            while k < n and cls(text[k]):
                k += 1
            out.append(text[i:k])
            i = k
            continue
        # whitespace run
        k = i
        while k < n and text[k] in _WS:
            k += 1
        if k == i:            # cannot happen: every char is L, N, other or whitespace
            k = i + 1
        if k < n and k - 1 > i:
            k -= 1            # \s+(?!\S): leave the last space for the next word
        out.append(text[i:k])
        i = k
    return out


class GPT2BPE:
    """Encoder/decoder from GGUF tokenizer keys (tokens, merges, bos/eos)."""

    def __init__(self, tokens, merges, bos_id, eos_id):
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.ranks = {tuple(m.split(" ")): r for r, m in enumerate(merges)}
        self.bos_id, self.eos_id = bos_id, eos_id
        self.b2u = bytes_to_unicode()
        self.u2b = {v: k for k, v in self.b2u.items()}
        self.cache = {}

    @classmethod
    def from_gguf_kv(cls, kv):
        return cls(kv["tokenizer.ggml.tokens"], kv["tokenizer.ggml.merges"],
                   kv["tokenizer.ggml.bos_token_id"], kv["tokenizer.ggml.eos_token_id"])

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, bi = None, -1
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            a, b = parts[bi], parts[bi + 1]
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids = [self.ids[p] for p in parts]
        if len(self.cache) < 200000:
            self.cache[word] = ids
        return ids

    def encode(self, text, bos=False):
        out = [self.bos_id] if bos else []
        for piece in gpt2_split(text):
            out.extend(self._bpe("".join(self.b2u[b] for b in piece.encode("utf-8"))))
        return out

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t in (BOS, EOS):
                continue
            bs.extend(self.u2b[c] for c in t)
        return bs.decode("utf-8", errors="replace")


# ------------------------------------------------------------ HF side (GPU machine)
def train_hf(doc_iter, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                             special_tokens=[BOS, EOS],
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(doc_iter, tr)
    return tok


def gguf_tokenizer_kv_from_hf(tok):
    """{key: (gguf type, value, elem type)} for the GGUF tokenizer metadata."""
    j = json.loads(tok.to_str())
    vocab = j["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    assert None not in tokens
    merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
    return make_kv(tokens, merges)


def make_kv(tokens, merges):
    from gguf_write import ARRAY, BOOL, INT32, STRING, UINT32
    ttype = [TOKEN_CONTROL if t in (BOS, EOS) else TOKEN_NORMAL for t in tokens]
    return {
        "tokenizer.ggml.model": (STRING, "gpt2", None),
        # llama.cpp maps "gpt-2" to its GPT-2 regex; its "default" pre-type applies a
        # different (4-regex) split, so "gpt-2" is what reproduces this tokenizer.
        "tokenizer.ggml.pre": (STRING, "gpt-2", None),
        "tokenizer.ggml.tokens": (ARRAY, tokens, STRING),
        "tokenizer.ggml.token_type": (ARRAY, ttype, INT32),
        "tokenizer.ggml.merges": (ARRAY, merges, STRING),
        "tokenizer.ggml.bos_token_id": (UINT32, tokens.index(BOS), None),
        "tokenizer.ggml.eos_token_id": (UINT32, tokens.index(EOS), None),
        "tokenizer.ggml.add_bos_token": (BOOL, True, None),
        "tokenizer.ggml.add_eos_token": (BOOL, False, None),
    }


def kv_plain(kv):
    return {k: v[1] for k, v in kv.items()}


TEST_STRINGS = [
    "Hello world", " Hello world", "Hello World!", "  leading spaces", "trailing spaces   ",
    "tabs\tand\nnewlines\n\n\nthree", "It's I'll we've they're don't", "numbers 1234567 3.14159",
    "unicode: café naïve Ünïcödé — “quotes” ✓ 日本語", "emoji 🙂🚀", "CONFIG_ACPI_APEI_EINJ=y",
    "def f(x):\n    return x**2  # comment", "And God said, Let there be light: and there was light.",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune",
    "", " ", "   \n  ", "'''quoted'''", "a'b 's 'S", "\u00a0nbsp\u2009thin",
]
