"""Jane Austen's six novels as clean text, from r-cran-janeaustenr's lazy-load data.

    python3 austen.py JANEAUSTENR_DATA_DIR OUT_DIR

JANEAUSTENR_DATA_DIR is .../site-library/janeaustenr/data (Rdata.rdx / Rdata.rdb). Each novel is
a character vector of the Project Gutenberg lines (hard-wrapped, blank lines between
paragraphs). Writes OUT_DIR/austen-<novel>.txt: one paragraph per line (lines re-joined),
paragraphs separated by a blank line; _italics_ underscores, footnote asterisks, "* * *"
section breaks and editorial notes ("[At this point in the first ... editions ...]", the closing
"A NOTE ON THE TEXT" of Northanger Abbey) removed.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdata  # noqa: E402
import textnorm  # noqa: E402

NOVELS = [
    ("sensesensibility", "sense-and-sensibility"),
    ("prideprejudice", "pride-and-prejudice"),
    ("mansfieldpark", "mansfield-park"),
    ("emma", "emma"),
    ("northangerabbey", "northanger-abbey"),
    ("persuasion", "persuasion"),
]
EDITORIAL = re.compile(r"\[(At this point in the|To Mrs\. Weston)[^\]]*\]")
END_MATTER = ("A NOTE ON THE TEXT",)


def paragraphs(lines):
    para = []
    for line in lines + [""]:
        line = "" if line is None else line
        if line.strip():
            para.append(line.strip())
        elif para:
            yield " ".join(para)
            para = []


def clean(paragraph):
    p = EDITORIAL.sub("", paragraph)
    p = p.replace("_", "").replace("*", "")
    return re.sub(r"\s+", " ", p).strip()


def novel_text(lines):
    out = []
    for p in paragraphs(list(lines)):
        if p.strip() in END_MATTER:
            break
        if p.lstrip().startswith("*") and p.strip("* ") and not p.strip().startswith("* *"):
            continue  # a footnote ("*Vide a letter from ...")
        p = clean(p)
        if p:
            out.append(p)
    return out


def main(argv):
    if len(argv) != 3:
        print("usage: austen.py JANEAUSTENR_DATA_DIR OUT_DIR", file=sys.stderr)
        return 2
    db = rdata.LazyLoadDB(os.path.join(argv[1], "Rdata"))
    os.makedirs(argv[2], exist_ok=True)
    for var, name in NOVELS:
        lines = db.get(var)
        if not all(isinstance(x, str) or x is None for x in lines):
            raise SystemExit(f"austen.py: {var} is not a character vector")
        path = os.path.join(argv[2], f"austen-{name}.txt")
        n = textnorm.write_paragraphs(path, novel_text(lines))
        print(f"austen: {n} bytes -> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
