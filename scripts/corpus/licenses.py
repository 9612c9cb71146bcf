"""Writes OUT_DIR/LICENSES.md: for every output file, its source package, version and licence,
with byte and SHA-256 figures; the packages' full Debian copyright files are copied beside it
(OUT_DIR/licenses/<package>.copyright) by fetch-corpus.sh.

    python3 licenses.py OUT_DIR PACKAGE=VERSION...
"""
import hashlib
import os
import sys

# output file (relative to OUT_DIR) -> (package, licence, note)
SOURCES = [
    ("prose/austen-*.txt", "r-cran-janeaustenr",
     "Public domain (the novels, 1811-1818; Project Gutenberg transcriptions); the R package "
     "janeaustenr is MIT (c) 2016-2017 Julia Silge",
     "Jane Austen's six completed novels. Paragraphs re-joined, _italics_ marks, footnotes, "
     "section-break asterisks and editorial notes removed."),
    ("prose/web-bible.txt", "sword-text-web",
     "Public domain (World English Bible, eBible.org; \"World English Bible\" is a trademark: "
     "a changed text must not be called by that name)",
     "The World English Bible with Deuterocanon (2020 stable text), from the SWORD module "
     "engWEB2015eb: footnotes, cross references and section headings removed, punctuation "
     "normalised to ASCII. Because it is changed, this file is not 'the World English Bible'."),
    ("prose/fortunes.txt", "fortunes-min",
     "BSD-3-Clause (c) 1991 The Regents of the University of California (fortune-mod); "
     "quotations belong to their authors (short quotations)",
     "The fortune cookie files fortunes, literature and riddles, one cookie per paragraph."),
    ("chat/wordnet.jsonl", "wordnet-base",
     "WordNet 3.0 licence (BSD-like; the notice below must accompany copies): "
     "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.",
     "Questions \"What does the word X mean?\" answered from WordNet glosses (definitions and "
     "example sentences), for the everyday vocabulary (lemmas seen in WordNet's semantic "
     "concordance, plus lower-case single words with an example)."),
]

WORDNET_NOTICE = """WordNet Release 3.0 This software and database is being provided to you, the LICENSEE, by
Princeton University under the following license. By obtaining, using and/or copying this
software and database, you agree that you have read, understood, and will comply with these
terms and conditions.: Permission to use, copy, modify and distribute this software and
database and its documentation for any purpose and without fee or royalty is hereby granted,
provided that you agree to comply with the following copyright notice and statements,
including the disclaimer, and that the same appear on ALL copies of the software, database and
documentation, including modifications that you make for internal use or for distribution.
WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. THIS SOFTWARE AND
DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES,
EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO
REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR
THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD
PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS. The name of Princeton University or
Princeton may not be used in advertising or publicity pertaining to distribution of the
software and/or database. Title to copyright in this software, database and any associated
documentation shall at all times remain with Princeton University and LICENSEE agrees to
preserve same."""


def files_matching(out_dir, pattern):
    d, _, base = pattern.rpartition("/")
    prefix, _, suffix = base.partition("*")
    full = os.path.join(out_dir, d)
    if "*" not in base:
        return [f"{d}/{base}"] if os.path.exists(os.path.join(full, base)) else []
    names = sorted(n for n in os.listdir(full) if n.startswith(prefix) and n.endswith(suffix))
    return [f"{d}/{n}" for n in names]


def main(argv):
    if len(argv) < 2:
        print("usage: licenses.py OUT_DIR PACKAGE=VERSION...", file=sys.stderr)
        return 2
    out_dir = argv[1]
    versions = dict(a.split("=", 1) for a in argv[2:])
    lines = ["# Licences of the Primer demo-model corpus", "",
             "Made by `scripts/fetch-corpus.sh` from Debian bookworm packages. Each package's full "
             "Debian copyright file is in `licenses/`.", "",
             "| file | bytes | sha256 (first 16) | package | licence |", "|---|---|---|---|---|"]
    notes = []
    total = 0
    for pattern, pkg, licence, note in SOURCES:
        for rel in files_matching(out_dir, pattern):
            path = os.path.join(out_dir, rel)
            with open(path, "rb") as f:
                data = f.read()
            total += len(data)
            digest = hashlib.sha256(data).hexdigest()[:16]
            lines.append(f"| `{rel}` | {len(data)} | `{digest}` | {pkg} {versions.get(pkg, '?')} | {licence} |")
        notes.append(f"- `{pattern}` ({pkg}): {note}")
    lines += ["", f"Total: {total} bytes.", "", "## What each file is", ""] + notes
    lines += ["", "## WordNet notice", "", WORDNET_NOTICE, ""]
    with open(os.path.join(out_dir, "LICENSES.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
