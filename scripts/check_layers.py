#!/usr/bin/env python3
"""Fails on an #include that goes the wrong way between layers.

Layers, lowest first (docs/architecture.md draws them). A file may include
headers of its own layer, of the layers listed for it below, and the public API
in include/sinkstream/ (plain types such as Error and ModelConfig that every
layer speaks). app/ sees only the public API and the lab's headers.

Usage: scripts/check_layers.py [REPO_ROOT]   (exit 1 and one line per violation)
"""
import pathlib
import re
import sys

# folder (relative to the repository root) -> include prefixes it may use
# besides its own folder and "sinkstream/".
ALLOWED = {
    "src/core": [],
    "src/backend": ["core"],
    "src/io": ["core"],
    "src/tokenizer": ["core", "io"],
    "src/cache": ["core", "backend"],
    "src/model": ["core", "backend", "io", "tokenizer", "cache"],
    "src/chat": ["core", "io", "tokenizer"],
    "src/sampling": ["core"],
    "src/api": ["core", "backend", "io", "tokenizer", "cache", "model", "chat", "sampling", "api"],
    "src/eval": ["core", "backend", "io", "tokenizer", "cache", "model", "chat", "api", "analysis", "plot"],
    "src/analysis": ["core", "backend", "io", "tokenizer", "cache", "model", "api", "eval", "plot"],
    "src/plot": ["core"],
    # Chats over the public Session API and the chat templates (used by app/ and the server).
    "src/conversation": ["core", "tokenizer", "chat"],
    # The HTTP server: the public API (Model, Session, Batcher, Conversation) and the conversation layer.
    "src/server": ["conversation"],
    # The command-line tool: the public API, the lab's and the server's headers and its own files (no folder).
    "app": ["eval", "analysis", "plot", "server", ""],
}

# Other projects' headers included with quotes (Highway's convention).
EXTERNAL = {"hwy"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel: str) -> str | None:
    for folder in sorted(ALLOWED, key=len, reverse=True):
        if rel == folder or rel.startswith(folder + "/"):
            return folder
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    bad = []
    checked = 0
    for path in sorted(list(root.glob("src/**/*")) + list(root.glob("app/**/*"))):
        if path.suffix not in (".cpp", ".hpp", ".h", ".cu", ".cuh"):
            continue
        rel = path.relative_to(root).as_posix()
        layer = layer_of(rel)
        if layer is None:
            bad.append(f"{rel}: folder has no layer in scripts/check_layers.py (add it there and to docs/architecture.md)")
            continue
        own = layer.split("/", 1)[1] if "/" in layer else None
        for inc in INCLUDE.findall(path.read_text(encoding="utf-8")):
            checked += 1
            top = inc.split("/", 1)[0] if "/" in inc else ""
            if top == "sinkstream" or top == own or top in ALLOWED[layer] or top in EXTERNAL:
                continue
            if top == "" and layer != "app":
                continue  # a header beside the file (Highway's foreach_target re-include, -inl.h)
            bad.append(f"{rel}: includes \"{inc}\", but {layer} may include only "
                       f"{', '.join(['sinkstream'] + [p or '(its own files)' for p in ALLOWED[layer]])}")
    for line in bad:
        print(line)
    print(f"check_layers: {checked} includes checked, {len(bad)} going the wrong way")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
