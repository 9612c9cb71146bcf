#!/usr/bin/env python3
"""Generates the chat-template goldens from Python's jinja2 (the oracle).

Renders every template in shared/chat-templates/*.jinja against the conversations in
tests/golden/chat/conversations.json, using the environment Hugging Face transformers'
apply_chat_template builds (ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True),
loopcontrols, the `generation` tag, a json.dumps-based `tojson`, `raise_exception` and
`strftime_now`, here pinned to a fixed date), and writes one file per template:

  tests/golden/chat/expected/<template>.json
    {"generated_by": ..., "template": "<name>", "parse_error": null | {"type": ..., "message": ...},
     "cases": {"<case>": {"output": "..."} | {"error": {"type": ..., "message": ...}}}}

It also renders tests/golden/chat/snippets.json (small templates probing one semantic each)
into tests/golden/chat/snippets.expected.json, and writes tests/golden/chat/float_repr.json:
pseudo-random doubles of every magnitude with Python's str() of each (what `{{ x }}` prints).

Deterministic: same inputs, same bytes. Usage: scripts/gen-chat-goldens.py [--shared DIR]
"""
import argparse
import datetime
import glob
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden", "chat")


class GenerationTag(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}` renders its body unchanged (transformers uses it
    to track assistant tokens; the text is the same)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(fmt):
        return now.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


GENERATED_BY = "scripts/gen-chat-goldens.py (Python jinja2 %s); do not edit" % jinja2.__version__


def float_repr_cases():
    """Doubles across the exponent range (and a few classics) with str(x) for each."""
    import random
    import struct
    rng = random.Random(20250726)
    values = [0.1, 0.2 + 0.1, 1e16, 1e15, 1e-4, 1e-5, 123456789.125, 2.0 ** 60, 5e-324, 1.7976931348623157e308,
              -0.0, 100.0, 1.5, 0.3333333333333333, 9007199254740993.0, 1e22, 1e21, 0.000123]
    for _ in range(400):
        bits = rng.getrandbits(64)
        x = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if x != x or x in (float("inf"), float("-inf")):
            continue
        values.append(x)
    for _ in range(200):
        values.append(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
    return {"generated_by": GENERATED_BY, "values": values, "str": [str(v) for v in values],
            "tojson": [json.dumps(v) for v in values]}


def describe(e):
    return {"type": type(e).__name__, "message": str(e)}


def render_case(template, case, conv):
    ctx = {
        "messages": case["messages"],
        "tools": conv["tools"] if case.get("tools") else None,
        "documents": None,
        "add_generation_prompt": case["add_generation_prompt"],
        "bos_token": conv["bos_token"],
        "eos_token": conv["eos_token"],
    }
    ctx.update(case.get("extra", {}))
    try:
        return {"output": template.render(**ctx)}
    except Exception as e:  # the golden records what jinja2 raised
        return {"error": describe(e)}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    args = ap.parse_args()

    with open(os.path.join(GOLDEN, "conversations.json"), encoding="utf-8") as f:
        conv = json.load(f)
    env = make_env(datetime.datetime(*conv["strftime_now"]))

    out_dir = os.path.join(GOLDEN, "expected")
    os.makedirs(out_dir, exist_ok=True)
    paths = sorted(glob.glob(os.path.join(args.shared, "chat-templates", "*.jinja")))
    if not paths:
        sys.exit(f"no templates under {args.shared}/chat-templates")
    for path in paths:
        name = os.path.basename(path)[: -len(".jinja")]
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
        result = {"generated_by": GENERATED_BY, "template": name, "parse_error": None, "cases": {}}
        try:
            template = env.from_string(source)
        except Exception as e:
            result["parse_error"] = describe(e)
            template = None
        if template is not None:
            for case in conv["cases"]:
                result["cases"][case["name"]] = render_case(template, case, conv)
        write_json(os.path.join(out_dir, name + ".json"), result)

    snippets_path = os.path.join(GOLDEN, "snippets.json")
    if os.path.exists(snippets_path):
        with open(snippets_path, encoding="utf-8") as f:
            snippets = json.load(f)
        expected = {}
        for s in snippets["snippets"]:
            ctx = dict(snippets["context"])
            ctx.update(s.get("context", {}))
            try:
                expected[s["name"]] = {"output": env.from_string(s["template"]).render(**ctx)}
            except Exception as e:
                expected[s["name"]] = {"error": describe(e)}
        write_json(os.path.join(GOLDEN, "snippets.expected.json"),
                   {"generated_by": GENERATED_BY, "results": expected})
    write_json(os.path.join(GOLDEN, "float_repr.json"), float_repr_cases())
    print(f"wrote {len(paths)} template goldens to {out_dir}")


if __name__ == "__main__":
    main()
