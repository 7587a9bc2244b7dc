#!/usr/bin/env python3
"""Fetch a long public-domain book from Debian for `make demo`.

Jane Austen's *Persuasion* (1817) from the Debian package r-cran-janeaustenr,
fetched with `apt-get download` (no installation, no root) and decoded from
R's lazy-load data with tools/sinklab/build_corpus.py's decoder (standard
library only). Persuasion is held out of the default model's training corpus
(docs/sinklab.md), so the demo measures text the model never saw.

  scripts/demo_text.py OUT_DIR      -> OUT_DIR/persuasion.txt (cached)
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "sinklab"))
from build_corpus import austen_docs, normalize  # noqa: E402

PACKAGE = "r-cran-janeaustenr"


def download(dest):
    cmd = ["apt-get", "download", PACKAGE]
    r = subprocess.run(cmd, cwd=dest, capture_output=True, text=True)
    if r.returncode != 0:
        # Package lists may be empty on a fresh image: refresh them once.
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)
        r = subprocess.run(cmd, cwd=dest, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("demo: could not fetch %s from Debian: %s" % (PACKAGE, r.stderr.strip()))
    return next(Path(dest).glob(PACKAGE + "_*.deb"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    target = out / "persuasion.txt"
    if target.exists() and target.stat().st_size > 100000:
        print(target)
        return
    with tempfile.TemporaryDirectory() as tmp:
        deb = download(tmp)
        root = Path(tmp) / "root"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        docs = {name: text for name, _, text in austen_docs(root)}
    if "austen/persuasion" not in docs:
        sys.exit("demo: Persuasion not found in %s" % PACKAGE)
    target.write_text(normalize(docs["austen/persuasion"]))
    print(target)


if __name__ == "__main__":
    main()
