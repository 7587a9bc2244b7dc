#!/usr/bin/env python3
"""Oracle for the chat-template tests: renders templates with Debian's python3-jinja2
exactly as Hugging Face's apply_chat_template does (see ../shared/chat-templates/README.md):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
extensions=[jinja2.ext.loopcontrols]), tojson = json.dumps(ensure_ascii=False, ...),
raise_exception(message) and strftime_now(format).

strftime_now formats a fixed time given by the caller (never the clock), so that the
C++ renderer, given the same time, must produce the same text.

Usage: render_jinja.py JOB.json OUT.json
  JOB  = {"now": "YYYY-MM-DDTHH:MM:SS", "cases": [{"template": TEXT, "context": {...}}, ...]}
  OUT  = [{"ok": true, "text": ...} | {"ok": false, "error": MESSAGE, "type": EXCEPTION}, ...]
"""
import datetime
import json
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def make_env(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return now.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    env = make_env(datetime.datetime.fromisoformat(job["now"]))
    results = []
    for case in job["cases"]:
        try:
            text = env.from_string(case["template"]).render(**case["context"])
            results.append({"ok": True, "text": text})
        except Exception as e:  # the template rejected the context (or failed): report its message
            results.append({"ok": False, "error": str(e), "type": type(e).__name__})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
