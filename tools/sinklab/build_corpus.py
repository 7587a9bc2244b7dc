#!/usr/bin/env python3
"""Build the sinklab training corpus from freely licensed English text.

Sources are Debian packages fetched with `apt-get download` into a temporary
directory and unpacked with `dpkg-deb -x` (nothing is installed), plus the
texts in ../shared/text, read in place.  Standard library only (python3 >= 3.9).

Output directory (never commit it):
  train.txt, heldout.txt   documents separated by a line holding only "\\x1e"
                           (ASCII record separator; stripped from the text)
  manifest.tsv             doc_id, source, split, bytes  (one row per document)
  stats.json               bytes and documents per source and split
  corpus.tar.xz            (with --xz) the two text files + manifest, for the GPU run

Held-out split: whole documents, deterministic.  A document is held out when
sha1(doc_id) mod 1000 < 25 (about 2.5 %), and Jane Austen's "Persuasion" is
always held out: its first 20K tokens are the streaming-perplexity text.

Usage:
  python3 tools/sinklab/build_corpus.py --out /tmp/sinklab-corpus [--xz]
"""

import argparse
import gzip
import hashlib
import html.parser
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

SEP = "\x1e"

PACKAGES = [
    "bible-kjv-text", "bible-kjv",      # KJV text + the program that decodes it
    "r-cran-janeaustenr",               # Austen's six novels (R lazy-load data)
    "dict-gcide",                       # GCIDE dictionary (sampled: 1 chunk in 8)
    "linux-doc-6.1",                    # kernel documentation (HTML -> text)
    "python3.11-doc",                   # Python docs (reST sources)
    "perl-doc",                         # Perl documentation (POD)
    "fortunes",                         # English fortune cookies
    "debian-reference-en",              # Debian Reference (HTML -> text)
    "python-django-doc",                # Django docs (HTML -> text)
    "postgresql-doc-15",                # PostgreSQL manual (HTML -> text)
    "git-doc",                          # Git manual pages (AsciiDoc sources)
    "jargon-text",                      # The Jargon File
    "debian-handbook",                  # The Debian Administrator's Handbook (en-US HTML)
]

HELDOUT_PER_MILLE = 25
FORCED_HELDOUT = {"austen/persuasion"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def normalize(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(SEP, "")
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.strip("\n") + "\n"


# ---------------------------------------------------------------- HTML -> text
class _HtmlText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
             "h4", "h5", "h6", "pre", "table", "tr", "blockquote", "section", "hr"}
    SKIP = {"script", "style", "head", "title", "nav"}
    VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"}

    def __init__(self, main_only):
        super().__init__(convert_charrefs=True)
        self.main_only = main_only
        self.out = []
        self.stack = []          # (tag, skip, main)
        self.pre = 0

    def _state(self):
        if not self.stack:
            return False, not self.main_only
        _, skip, main = self.stack[-1]
        return skip, main

    def handle_starttag(self, tag, attrs):
        skip, main = self._state()
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag in self.SKIP or "headerlink" in cls or "sphinxsidebar" in cls or \
           "related" in cls or "footer" in cls:
            skip = True
        if a.get("role") == "main" or "body" in cls and tag == "div":
            main = True
        if tag in self.BLOCK and main and not skip:
            self.out.append("\n")
        if tag == "pre":
            self.pre += 1
        if tag not in self.VOID:
            self.stack.append((tag, skip, main))

    def handle_endtag(self, tag):
        # pop to the matching tag (tolerate sloppy HTML)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        skip, main = self._state()
        if tag in self.BLOCK and main and not skip:
            self.out.append("\n")

    def handle_data(self, data):
        skip, main = self._state()
        if skip or not main:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        self.out.append(data)


def html_to_text(raw, main_only=True):
    p = _HtmlText(main_only)
    p.feed(raw)
    p.close()
    text = "".join(p.out)
    if main_only and len(text.strip()) < 50:
        p = _HtmlText(False)
        p.feed(raw)
        p.close()
        text = "".join(p.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n[ \t]+(?=\S)", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text


# ---------------------------------------------------------- R serialization
def _r_strings(buf):
    """Decode an R XDR serialization (format 'X') holding a character vector."""
    if buf[:2] != b"X\n":
        raise ValueError("not an XDR R serialization")
    pos = 2
    version, = struct.unpack(">i", buf[pos:pos + 4]); pos += 12
    if version == 3:
        n, = struct.unpack(">i", buf[pos:pos + 4]); pos += 4 + n
    flags, = struct.unpack(">i", buf[pos:pos + 4]); pos += 4
    if flags & 0xFF != 16:           # STRSXP
        raise ValueError("expected a character vector, got SEXP type %d" % (flags & 0xFF))
    n, = struct.unpack(">i", buf[pos:pos + 4]); pos += 4
    out = []
    for _ in range(n):
        cflags, ln = struct.unpack(">ii", buf[pos:pos + 8]); pos += 8
        if ln < 0:
            out.append("")
            continue
        s = buf[pos:pos + ln]; pos += ln
        enc = "latin-1" if cflags & (1 << 2) and not cflags & (1 << 3) else "utf-8"
        out.append(s.decode(enc, errors="replace"))
    return out


def austen_docs(root):
    rdb = next(Path(root).rglob("janeaustenr/data/Rdata.rdb")).read_bytes()
    names = {"EMMA": "emma", "MANSFIELD PARK": "mansfieldpark",
             "NORTHANGER ABBEY": "northangerabbey", "PERSUASION": "persuasion",
             "PRIDE AND PREJUDICE": "prideprejudice", "SENSE AND SENSIBILITY": "sensesensibility"}
    pos, docs = 0, []
    while pos + 4 < len(rdb):
        d = zlib.decompressobj()
        raw = d.decompress(rdb[pos + 4:])
        used = len(rdb) - pos - 4 - len(d.unused_data)
        pos += 4 + used
        try:
            lines = _r_strings(raw)
        except ValueError:
            continue
        head = " ".join(l for l in lines[:12] if l.strip()).upper()
        name = next((v for k, v in names.items() if k in head), "book%d" % len(docs))
        text = "\n".join(lines)
        docs.append(("austen/" + name, "r-cran-janeaustenr", text))
    return docs


# ---------------------------------------------------------------- sources
def bible_docs(root):
    exe = next(Path(root).rglob("usr/bin/bible"))
    data = next(Path(root).rglob("usr/lib/bible.data")).parent
    out = subprocess.run([str(exe), "-p", str(data), "-f", "gen1:1-rev22:21"],
                         check=True, capture_output=True).stdout.decode("latin-1")
    books, order = {}, []
    for line in out.splitlines():
        m = re.match(r"^([0-9]?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        book, ch, vs, text = m.groups()
        if book not in books:
            books[book] = []
            order.append(book)
        if vs == "1":
            books[book].append("\nChapter %s\n" % ch)
        books[book].append(text)
    return [("bible/%02d-%s" % (i, b), "bible-kjv-text", "\n".join(books[b]))
            for i, b in enumerate(order)]


def gcide_docs(root, keep_every=8, chunk=64 * 1024):
    raw = gzip.decompress(next(Path(root).rglob("gcide.dict.dz")).read_bytes())
    text = raw.decode("utf-8", errors="replace")
    docs, i, k = [], 0, 0
    while i < len(text):
        j = text.find("\n\n", i + chunk)
        j = len(text) if j < 0 else j
        if k % keep_every == 0:
            docs.append(("gcide/%04d" % k, "dict-gcide", text[i:j]))
        i, k = j, k + 1
    return docs


def linux_doc_docs(root):
    base = next(Path(root).rglob("linux-doc-6.1/html"))
    docs = []
    for p in sorted(base.rglob("*.html")):
        rel = p.relative_to(base).as_posix()
        if rel in ("genindex.html", "search.html", "py-modindex.html") or rel.startswith("_"):
            continue
        text = html_to_text(p.read_text("utf-8", errors="replace"))
        if len(text) > 200:
            docs.append(("linux-doc/" + rel[:-5], "linux-doc-6.1", text))
    return docs


def linux_doc_plain_docs(root):
    """Documentation/ files that the HTML build does not render: *.txt and ABI/."""
    base = next(Path(root).rglob("linux-doc-6.1/Documentation"))
    docs = []
    for p in sorted(base.rglob("*.gz")):
        rel = p.relative_to(base).as_posix()[:-3]
        if rel.endswith(".txt") or rel.startswith("ABI/"):
            docs.append(("linux-doc-plain/" + rel, "linux-doc-6.1",
                         gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace")))
    return docs


def html_tree_docs(root, sub, prefix, package, skip=("genindex", "search", "py-modindex")):
    base = next(p for p in Path(root).rglob(sub) if p.is_dir())
    docs = []
    for p in sorted(base.rglob("*.html")):
        rel = p.relative_to(base).as_posix()[:-5]
        if rel in skip or rel.startswith("_") or "/_" in rel:
            continue
        text = html_to_text(p.read_text("utf-8", errors="replace"))
        if len(text) > 200:
            docs.append((prefix + rel, package, text))
    return docs


def git_doc_docs(root):
    return [("git-doc/" + p.stem, "git-doc", p.read_text("utf-8", errors="replace"))
            for p in sorted(Path(root).rglob("git-doc/*.txt"))]


def jargon_docs(root):
    p = next(Path(root).rglob("jargon.txt.gz"))
    return [("jargon/jargon", "jargon-text", gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace"))]


def python_doc_docs(root):
    base = next(Path(root).rglob("python3.11/html/_sources"))
    return [("python-doc/" + p.relative_to(base).as_posix()[:-8], "python3.11-doc",
             p.read_text("utf-8", errors="replace"))
            for p in sorted(base.rglob("*.rst.txt"))]


def perl_doc_docs(root):
    docs = []
    for p in sorted(Path(root).rglob("*")):
        if p.name.endswith(".pod"):
            t = p.read_bytes()
        elif p.name.endswith(".pod.gz"):
            t = gzip.decompress(p.read_bytes())
        else:
            continue
        docs.append(("perl-doc/" + p.name.split(".pod")[0], "perl-doc",
                     t.decode("utf-8", errors="replace")))
    return docs


def fortunes_docs(root):
    base = next(Path(root).rglob("usr/share/games/fortunes"))
    docs = []
    for p in sorted(base.iterdir()):
        if p.is_file() and "." not in p.name:
            t = p.read_text("utf-8", errors="replace")
            t = re.sub(r"(?m)^%\n", "\n", t)
            docs.append(("fortunes/" + p.name, "fortunes", t))
    return docs


def debref_docs(root):
    return [("debian-reference/" + p.name, "debian-reference-en",
             html_to_text(p.read_text("utf-8", errors="replace"), main_only=False))
            for p in sorted(Path(root).rglob("*.en.html"))]


def shared_docs(shared):
    return [("shared/" + p.stem, "shared/text", p.read_text("utf-8", errors="replace"))
            for p in sorted(Path(shared).glob("*.txt"))]


def is_heldout(doc_id):
    if doc_id in FORCED_HELDOUT:
        return True
    h = int(hashlib.sha1(doc_id.encode()).hexdigest()[:8], 16)
    return h % 1000 < HELDOUT_PER_MILLE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / ".." / "shared" / "text"))
    ap.add_argument("--debs", help="directory with already downloaded .deb files (default: fetch)")
    ap.add_argument("--xz", action="store_true", help="also write corpus.tar.xz")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="sinklab-corpus-") as tmp:
        tmp = Path(tmp)
        debs = Path(args.debs) if args.debs else tmp / "debs"
        if not args.debs:
            debs.mkdir()
            log("apt-get download", " ".join(PACKAGES))
            subprocess.run(["apt-get", "download", "-q"] + PACKAGES, cwd=debs, check=True)
        roots = {}
        for pkg in PACKAGES:
            deb = sorted(debs.glob(pkg + "_*.deb"))
            if not deb:
                sys.exit("missing package file for %s in %s" % (pkg, debs))
            roots[pkg] = tmp / "x" / pkg
            roots[pkg].mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb[-1]), str(roots[pkg])], check=True)

        docs = []
        bible_root = tmp / "x" / "bible-all"
        bible_root.mkdir()
        for pkg in ("bible-kjv-text", "bible-kjv"):
            subprocess.run(["cp", "-a", str(roots[pkg]) + "/.", str(bible_root)], check=True)
        steps = [
            ("bible", lambda: bible_docs(bible_root)),
            ("austen", lambda: austen_docs(roots["r-cran-janeaustenr"])),
            ("gcide", lambda: gcide_docs(roots["dict-gcide"])),
            ("linux-doc", lambda: linux_doc_docs(roots["linux-doc-6.1"])),
            ("python-doc", lambda: python_doc_docs(roots["python3.11-doc"])),
            ("perl-doc", lambda: perl_doc_docs(roots["perl-doc"])),
            ("fortunes", lambda: fortunes_docs(roots["fortunes"])),
            ("debian-reference", lambda: debref_docs(roots["debian-reference-en"])),
            ("linux-doc-plain", lambda: linux_doc_plain_docs(roots["linux-doc-6.1"])),
            ("django-doc", lambda: html_tree_docs(roots["python-django-doc"], "python-django-doc/html",
                                                  "django-doc/", "python-django-doc")),
            ("postgresql-doc", lambda: html_tree_docs(roots["postgresql-doc-15"], "postgresql-doc-15/html",
                                                      "postgresql-doc/", "postgresql-doc-15")),
            ("git-doc", lambda: git_doc_docs(roots["git-doc"])),
            ("jargon", lambda: jargon_docs(roots["jargon-text"])),
            ("debian-handbook", lambda: html_tree_docs(roots["debian-handbook"], "html/en-US",
                                                       "debian-handbook/", "debian-handbook")),
            ("shared", lambda: shared_docs(args.shared)),
        ]
        for name, fn in steps:
            got = fn()
            log("%-17s %5d docs %10d chars" % (name, len(got), sum(len(t) for _, _, t in got)))
            docs.extend(got)

    seen = set()
    stats = {}
    files = {"train": open(out / "train.txt", "w", encoding="utf-8"),
             "heldout": open(out / "heldout.txt", "w", encoding="utf-8")}
    with open(out / "manifest.tsv", "w", encoding="utf-8") as man:
        man.write("doc_id\tsource\tsplit\tbytes\n")
        for doc_id, source, text in docs:
            assert doc_id not in seen, doc_id
            seen.add(doc_id)
            text = normalize(text)
            if len(text) < 20:
                continue
            split = "heldout" if is_heldout(doc_id) else "train"
            files[split].write(text)
            files[split].write(SEP + "\n")
            nb = len(text.encode("utf-8"))
            man.write("%s\t%s\t%s\t%d\n" % (doc_id, source, split, nb))
            s = stats.setdefault(source, {"train_docs": 0, "train_bytes": 0,
                                          "heldout_docs": 0, "heldout_bytes": 0})
            s[split + "_docs"] += 1
            s[split + "_bytes"] += nb
    for f in files.values():
        f.close()
    total = {k: sum(s[k] for s in stats.values()) for k in
             ("train_docs", "train_bytes", "heldout_docs", "heldout_bytes")}
    stats["TOTAL"] = total
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    for src, s in stats.items():
        log("%-20s train %6d docs %11d B   heldout %4d docs %9d B" %
            (src, s["train_docs"], s["train_bytes"], s["heldout_docs"], s["heldout_bytes"]))
    if args.xz:
        subprocess.run(["tar", "-C", str(out), "-cf", "-", "train.txt", "heldout.txt",
                        "manifest.tsv", "stats.json"], check=True,
                       stdout=open(out / "corpus.tar.xz.tmp", "wb"))
        subprocess.run(["xz", "-T0", "-7", "-f", str(out / "corpus.tar.xz.tmp")], check=True)
        os.replace(out / "corpus.tar.xz.tmp.xz", out / "corpus.tar.xz")
        log("corpus.tar.xz: %d bytes" % (out / "corpus.tar.xz").stat().st_size)


if __name__ == "__main__":
    main()
