"""Shared text clean-up for the corpus scripts: one typographic convention for all prose.

Typographic quotes become ASCII quotes and dashes become "--" (the convention of the Austen
texts), so the tokenizer does not spend vocabulary on two spellings of the same punctuation;
other non-ASCII letters (é, æ, £) are kept. Text is NFC-normalised, tabs and runs of spaces
inside a line become one space, and control characters are dropped.
"""
import re
import unicodedata

_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2014": "--", "\u2013": "-", "\u2015": "--", "\u2012": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u200b": "", "\ufeff": "", "\u00ad": "",
}
_PUNCT_RE = re.compile("|".join(map(re.escape, _PUNCT)))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_line(line):
    line = unicodedata.normalize("NFC", line)
    line = _PUNCT_RE.sub(lambda m: _PUNCT[m.group(0)], line)
    line = line.replace("\t", " ")
    line = _CONTROL.sub("", line)
    return re.sub(r" {2,}", " ", line).strip()


def clean_paragraph(text):
    """Keeps the paragraph's line breaks (poetry), cleans each line, drops empty lines."""
    lines = [clean_line(ln) for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def write_paragraphs(path, paragraphs):
    """Writes paragraphs separated by one blank line, UTF-8, LF, trailing newline; returns bytes."""
    paras = [p for p in (clean_paragraph(p) for p in paragraphs) if p]
    data = ("\n\n".join(paras) + "\n").encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)
