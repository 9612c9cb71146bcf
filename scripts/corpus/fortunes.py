"""fortune(6) cookie files ('%'-separated) as paragraphs of text.

    python3 fortunes.py OUT.txt FILE...

Each cookie becomes one paragraph: its lines kept (verse, Q/A riddles), indentation and blank
lines inside it removed, attribution lines ("\t\t-- Mark Twain") kept as "-- Mark Twain".
Cookies longer than 1200 characters (ASCII art, long lists) are skipped.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import textnorm  # noqa: E402

MAX_CHARS = 1200


def cookies(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    cookie = []
    for line in text.split("\n"):
        if line.rstrip() == "%":
            yield "\n".join(cookie)
            cookie = []
        else:
            cookie.append(line)
    if any(ln.strip() for ln in cookie):
        yield "\n".join(cookie)


def main(argv):
    if len(argv) < 3:
        print("usage: fortunes.py OUT.txt FILE...", file=sys.stderr)
        return 2
    paras = []
    for path in argv[2:]:
        for c in cookies(path):
            c = textnorm.clean_paragraph(c)
            if c and len(c) <= MAX_CHARS:
                paras.append(c)
    n = textnorm.write_paragraphs(argv[1], paras)
    print(f"fortunes: {len(paras)} cookies, {n} bytes -> {argv[1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
