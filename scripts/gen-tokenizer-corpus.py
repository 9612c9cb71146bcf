#!/usr/bin/env python3
"""Builds the multilingual tokenizer corpus in tests/golden/tokenizer/corpus/ (about 1.1 MB).

Every text comes from a Debian bookworm package fetched with `apt-get download` and unpacked
with `dpkg-deb -x` into a cache folder (default: build-corpus-src/, ignored by git); nothing
from the machine's own /usr is read, so two machines produce the same bytes given the same
package versions (recorded in corpus/SOURCES.txt). Slices are chosen by a fixed seed per
category.

File format (one file per category, <category>.txt): a sequence of segments, each followed by
the two bytes 0x1E 0x0A (ASCII record separator + newline). A segment never contains 0x1E, and
0x1E is never part of a multi-byte UTF-8 sequence, so splitting the raw bytes on "\\x1e\\n" is
exact even for invalid-utf8.txt. Segments are at most kMaxSegment bytes, cut on line
boundaries, and are tokenized one by one (goldens: one line of ids per segment).

All text stays within characters assigned in Unicode 14 (Python 3.11's unicodedata), the
version of PCRE2 10.42's property tables; node's ICU is newer and later characters would
differ for reasons that are not bugs.

Usage: python3 scripts/gen-tokenizer-corpus.py [--cache DIR] [--out DIR]
"""
import argparse
import gettext
import glob
import gzip
import html.parser
import io
import os
import random
import re
import struct
import subprocess
import sys
import unicodedata
import zlib

kMaxSegment = 2048
kSeparator = "\x1e\n"
kUnicodeVersion = "14.0.0"

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------------------------
# Fetching packages


class Packages:
    """apt-get download + dpkg-deb -x into cache/<pkg>/; remembers each .deb's file name."""

    def __init__(self, cache):
        self.cache = cache
        self.used = {}
        os.makedirs(cache, exist_ok=True)
        self.updated = False

    def root(self, pkg):
        dest = os.path.join(self.cache, pkg)
        debs = sorted(glob.glob(os.path.join(self.cache, f"{pkg}_*.deb")))
        if not debs:
            if not self.updated and not os.environ.get("PRIMER_CORPUS_NO_UPDATE"):
                subprocess.run(["apt-get", "update", "-qq"], check=False)
                self.updated = True
            subprocess.run(["apt-get", "download", "-q", pkg], cwd=self.cache, check=True)
            debs = sorted(glob.glob(os.path.join(self.cache, f"{pkg}_*.deb")))
        deb = debs[-1]
        if not os.path.isdir(dest):
            subprocess.run(["dpkg-deb", "-x", deb, dest + ".tmp"], check=True)
            os.rename(dest + ".tmp", dest)
        self.used[pkg] = os.path.basename(deb).replace("%3a", ":")
        return dest

    def path(self, pkg, rel):
        return os.path.join(self.root(pkg), rel)


# ----------------------------------------------------------------------------------------------
# Text helpers


def assigned_u14(text):
    """True when every character is assigned in Unicode 14 (no Cn)."""
    assert unicodedata.unidata_version == kUnicodeVersion, unicodedata.unidata_version
    return all(unicodedata.category(c) != "Cn" for c in text)


kControls = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def clean(text, keep_controls=False):
    """Drops characters that must not appear: unassigned in Unicode 14, the separator, C0
    controls (unless keep_controls; \\t \\n \\r are always kept) and CRs of CRLF files."""
    text = text.replace("\r\n", "\n")
    text = "".join(c for c in text if unicodedata.category(c) != "Cn")
    if not keep_controls:
        text = kControls.sub("", text)
    return text.replace("\x1e", "")


def script_ratio(text, lo, hi):
    """Fraction of letters whose code point is in [lo, hi]."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(lo <= ord(c) <= hi for c in letters) / len(letters)


def take(rng, units, budget):
    """Picks units in a seeded random order until `budget` bytes are collected."""
    order = list(range(len(units)))
    rng.shuffle(order)
    out, size = [], 0
    for i in order:
        if size >= budget:
            break
        u = units[i]
        if not u.strip():
            continue
        out.append(u)
        size += len(u.encode("utf-8", "surrogateescape"))
    return out


def windows(rng, lines, n_windows, min_lines, max_lines):
    """Random windows of consecutive lines (each a unit)."""
    out = []
    for _ in range(n_windows):
        if not lines:
            break
        n = rng.randint(min_lines, max_lines)
        start = rng.randrange(max(1, len(lines) - n))
        out.append("".join(lines[start:start + n]))
    return out


def split_long_line(line, limit):
    """Cuts a line longer than `limit` bytes at character boundaries."""
    out, cur = [], ""
    for c in line:
        if len((cur + c).encode("utf-8", "surrogateescape")) > limit:
            out.append(cur)
            cur = ""
        cur += c
    if cur:
        out.append(cur)
    return out


def pack(units, joiner="\n\n", limit=kMaxSegment):
    """Packs units into segments of at most `limit` bytes; a unit too big is cut on lines."""
    pieces = []
    for u in units:
        if len(u.encode("utf-8", "surrogateescape")) <= limit:
            pieces.append(u)
            continue
        cur = ""
        for line in u.splitlines(keepends=True):
            for part in split_long_line(line, limit):
                if cur and len((cur + part).encode("utf-8", "surrogateescape")) > limit:
                    pieces.append(cur)
                    cur = ""
                cur += part
        if cur:
            pieces.append(cur)
    segments, cur = [], None
    for p in pieces:
        if cur is None:
            cur = p
        elif len((cur + joiner + p).encode("utf-8", "surrogateescape")) <= limit:
            cur = cur + joiner + p
        else:
            segments.append(cur)
            cur = p
    if cur is not None:
        segments.append(cur)
    return segments


# ----------------------------------------------------------------------------------------------
# Source readers


class HelpParagraphs(html.parser.HTMLParser):
    """Text of <p>, <h1..h6>, <li>, <td> in a LibreOffice help page, one string per element."""

    kBlocks = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td"}
    kSkip = {"script", "style", "header", "aside", "noscript", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self.cur, self.depth, self.skip = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in self.kSkip:
            self.skip += 1
        elif tag in self.kBlocks:
            if self.depth == 0:
                self.cur = []
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.kSkip:
            self.skip = max(0, self.skip - 1)
        elif tag in self.kBlocks and self.depth > 0:
            self.depth -= 1
            if self.depth == 0:
                text = re.sub(r"\s+", " ", "".join(self.cur)).strip()
                if text:
                    self.paragraphs.append(text)

    def handle_data(self, data):
        if self.depth > 0 and self.skip == 0:
            self.cur.append(data)


def lo_help_units(pk, pkg, lang, rng, budget, lo, hi):
    """Per-page units of LibreOffice help paragraphs that are mostly in the target script."""
    base = pk.path(pkg, f"usr/share/libreoffice/help/{lang}/text")
    files = sorted(glob.glob(os.path.join(base, "**/*.html"), recursive=True))
    rng.shuffle(files)
    out, size = [], 0
    for f in files:
        if size >= budget:
            break
        parser = HelpParagraphs()
        parser.feed(open(f, encoding="utf-8").read())
        paras = [clean(p) for p in parser.paragraphs]
        paras = [p for p in paras if script_ratio(p, lo, hi) >= 0.5]
        if not paras:
            continue
        unit = "\n".join(paras[:12])
        out.append(unit)
        size += len(unit.encode())
    return out


def mo_strings(paths):
    """msgstr values of .mo catalogs (plural forms flattened), accelerator '~' removed."""
    out = []
    for p in sorted(paths):
        with open(p, "rb") as fp:
            cat = gettext.GNUTranslations(fp)._catalog  # noqa: SLF001 (no public accessor)
        for key in sorted(cat, key=str):
            v = cat[key]
            if key == "" or not isinstance(v, str):
                continue
            out.append(clean(v.replace("~", "")))
    return out


def fortune_entries(paths):
    out = []
    for p in sorted(paths):
        text = open(p, encoding="utf-8", errors="replace").read()
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours in fortunes-zh
        for e in text.split("\n%\n"):
            e = e.strip("\n")
            if e and "\ufffd" not in e and "\x08" not in e:
                out.append(clean(e))
    return out


def austen_books(pk):
    """Jane Austen's novels from r-cran-janeaustenr's data/Rdata.rdb: each object there is a
    4-byte length + zlib stream holding R's XDR serialization of one character vector; the
    gzip-compressed Rdata.rdx says where each object starts."""
    base = pk.path("r-cran-janeaustenr", "usr/lib/R/site-library/janeaustenr/data")
    rdb = open(os.path.join(base, "Rdata.rdb"), "rb").read()
    index = gzip.decompress(open(os.path.join(base, "Rdata.rdx"), "rb").read())
    # The index lists (offset, length) pairs as INTSXP of length 2: 0x0000000d 0x00000002 a b.
    spans = [struct.unpack(">ii", m.group(1))
             for m in re.finditer(rb"\x00\x00\x00\x0d\x00\x00\x00\x02(.{8})", index, re.S)]
    books = []
    for off, ln in spans:
        raw = zlib.decompress(rdb[off + 4:off + ln])
        pos = 2
        def i32():
            nonlocal pos
            v = struct.unpack(">i", raw[pos:pos + 4])[0]
            pos += 4
            return v
        version = i32(); i32(); i32()
        if version == 3:
            n = i32()  # length of the native encoding name that follows
            pos += n
        if i32() & 0xFF != 16:  # STRSXP
            continue
        lines = []
        for _ in range(i32()):
            i32()
            n = i32()
            lines.append("" if n < 0 else raw[pos:pos + n].decode("utf-8"))
            pos += max(n, 0)
        books.append(lines)
    return books


def paragraphs_of(lines):
    """Blank-line separated paragraphs of a list of lines (without newlines)."""
    out, cur = [], []
    for line in lines + [""]:
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            out.append("\n".join(cur))
            cur = []
    return out


def read_lines(path, encoding="utf-8"):
    return open(path, encoding=encoding, errors="replace").read().splitlines(keepends=True)


# ----------------------------------------------------------------------------------------------
# Categories. Each returns a list of segments (str, or bytes for invalid-utf8).


def cat_english(pk, rng):
    units = []
    paras = [p for book in austen_books(pk) for p in paragraphs_of(book)]
    runs = []
    for _ in range(60):
        i = rng.randrange(len(paras) - 8)
        runs.append("\n\n".join(clean(p) for p in paras[i:i + rng.randint(3, 8)]))
    units += take(rng, runs, 65_000)
    fortunes = pk.root("fortunes")
    files = [f for f in glob.glob(os.path.join(fortunes, "usr/share/games/fortunes/*"))
             if not f.endswith((".dat", ".u8")) and os.path.isfile(f)]
    units += take(rng, [e for e in fortune_entries(files) if e.isascii()], 45_000)
    gloss = []
    for pos in ("noun", "verb", "adj", "adv"):
        for line in read_lines(pk.path("wordnet-base", f"usr/share/wordnet/data.{pos}")):
            if line.startswith("  ") or " | " not in line:
                continue
            word = line.split(" ")[4].replace("_", " ")
            gloss.append(f"{word} ({pos}): {line.split(' | ', 1)[1].strip()}")
    grouped = ["\n".join(gloss[i:i + 8]) for i in range(0, len(gloss), 8)]
    units += take(rng, grouped, 20_000)
    prose = []
    tut = pk.path("python3.11-doc", "usr/share/doc/python3.11/html/_sources/tutorial")
    for f in sorted(glob.glob(os.path.join(tut, "*.rst.txt"))):
        for p in paragraphs_of([l.rstrip("\n") for l in read_lines(f)]):
            if p[:1].isalpha() and not p.startswith(".."):
                prose.append(clean(p))
    units += take(rng, prose, 25_000)
    rng.shuffle(units)
    return pack(units)


def code_units(rng, files, budget, lo=20, hi=70):
    """Random windows of lo..hi lines from random files (regular files only)."""
    lines_of = {}
    out, size = [], 0
    files = sorted(f for f in files if os.path.isfile(f) and not os.path.islink(f))
    while size < budget:
        f = files[rng.randrange(len(files))]
        if f not in lines_of:
            lines_of[f] = read_lines(f)
        for w in windows(rng, lines_of[f], 1, lo, hi):
            w = clean(w)
            if w.strip():
                out.append(w)
                size += len(w.encode())
    return out


def cat_code(pk, rng):
    cxx = pk.path("libstdc++-12-dev", "usr/include/c++/12")
    cxx_files = [f for f in glob.glob(os.path.join(cxx, "**/*"), recursive=True)
                 if os.path.isfile(f) and not f.endswith(".gch")]
    c_files = glob.glob(pk.path("libc6-dev", "usr/include/*.h"))
    py_files = glob.glob(pk.path("libpython3.11-stdlib", "usr/lib/python3.11/*.py"))
    sh_files = [f for f in glob.glob(pk.path("bash-completion",
                                             "usr/share/bash-completion/completions/*"))
                if os.path.isfile(f) and not os.path.islink(f)]
    json_files = glob.glob(pk.path("iso-codes", "usr/share/iso-codes/json/iso_*.json"))
    units = (code_units(rng, cxx_files, 45_000) + code_units(rng, c_files, 20_000) +
             code_units(rng, py_files, 40_000) + code_units(rng, sh_files, 30_000) +
             code_units(rng, json_files, 25_000, 10, 60))
    rng.shuffle(units)
    return pack(units, joiner="\n")


def tutorial(pk, name, encoding="utf-8"):
    path = pk.path("emacs-common", f"usr/share/emacs/28.2/etc/tutorials/{name}")
    return [clean(l) for l in read_lines(path, encoding)]


def cat_chinese(pk, rng):
    units = lo_help_units(pk, "libreoffice-help-zh-cn", "zh-CN", rng, 65_000, 0x3400, 0x9FFF)
    base = pk.root("fortunes-zh")
    poems = fortune_entries(glob.glob(os.path.join(base, "usr/share/games/fortunes/tang300")) +
                            glob.glob(os.path.join(base, "usr/share/games/fortunes/song100")))
    units += take(rng, poems, 25_000)
    rng.shuffle(units)
    return pack(units)


def cat_japanese(pk, rng):
    units = lo_help_units(pk, "libreoffice-help-ja", "ja", rng, 60_000, 0x3040, 0x9FFF)
    units += windows(rng, tutorial(pk, "TUTORIAL.ja", "iso2022_jp"), 12, 15, 30)
    rng.shuffle(units)
    return pack(units)


def cat_korean(pk, rng):
    units = lo_help_units(pk, "libreoffice-help-ko", "ko", rng, 55_000, 0xAC00, 0xD7AF)
    units += windows(rng, tutorial(pk, "TUTORIAL.ko"), 12, 15, 30)
    rng.shuffle(units)
    return pack(units)


def grouped_strings(rng, strings, budget, lo, hi, min_len=1):
    good = [s for s in strings if len(s) >= min_len and script_ratio(s, lo, hi) >= 0.5]
    groups = []
    for _ in range(4000):
        i = rng.randrange(max(1, len(good) - 12))
        groups.append("\n".join(good[i:i + rng.randint(4, 12)]))
    return take(rng, groups, budget)


def cat_arabic(pk, rng):
    lo_mo = glob.glob(pk.path("libreoffice-l10n-ar",
                              "usr/lib/libreoffice/program/resource/ar/LC_MESSAGES/*.mo"))
    iso_mo = glob.glob(pk.path("iso-codes", "usr/share/locale/ar/LC_MESSAGES/*.mo"))
    units = grouped_strings(rng, mo_strings(lo_mo), 45_000, 0x0600, 0x06FF, min_len=25)
    units += grouped_strings(rng, mo_strings(lo_mo), 10_000, 0x0600, 0x06FF)
    units += grouped_strings(rng, mo_strings(iso_mo), 10_000, 0x0600, 0x06FF)
    rng.shuffle(units)
    return pack(units)


def cat_hindi(pk, rng):
    units = lo_help_units(pk, "libreoffice-help-hi", "hi", rng, 45_000, 0x0900, 0x097F)
    mo = glob.glob(pk.path("libreoffice-l10n-hi",
                           "usr/lib/libreoffice/program/resource/hi/LC_MESSAGES/*.mo"))
    units += grouped_strings(rng, mo_strings(mo), 25_000, 0x0900, 0x097F, min_len=15)
    rng.shuffle(units)
    return pack(units)


def cat_russian(pk, rng):
    units = lo_help_units(pk, "libreoffice-help-ru", "ru", rng, 45_000, 0x0400, 0x04FF)
    base = pk.path("fortunes-ru", "usr/share/games/fortunes/ru")
    files = [f for f in glob.glob(os.path.join(base, "*")) if not f.endswith(".dat")]
    units += take(rng, fortune_entries(files), 25_000)
    units += windows(rng, tutorial(pk, "TUTORIAL.ru"), 8, 15, 30)
    rng.shuffle(units)
    return pack(units)


def emoji_table(pk):
    """(sequence, status, subgroup, name) from emoji-test.txt, limited to Unicode 14."""
    path = pk.path("unicode-data", "usr/share/unicode/emoji/emoji-test.txt")
    out, subgroup = [], ""
    for line in read_lines(path):
        if line.startswith("# subgroup:"):
            subgroup = line.split(":", 1)[1].strip()
        if line.startswith("#") or ";" not in line:
            continue
        cps, rest = line.split(";", 1)
        status, comment = rest.split("#", 1)
        m = re.match(r"\s*\S+\s+E(\d+)\.(\d+)\s+(.*)", comment)
        seq = "".join(chr(int(c, 16)) for c in cps.split())
        if (int(m.group(1)), int(m.group(2))) <= (14, 0) and assigned_u14(seq):
            out.append((seq, status.strip(), subgroup, m.group(3).strip()))
    return out


def cat_emoji(pk, rng, english_lines, chinese_lines):
    table = emoji_table(pk)
    full = [e for e in table if e[1] == "fully-qualified"]
    units = []
    by_sub = {}
    for e in table:
        by_sub.setdefault(e[2], []).append(e)
    listing = ["\n".join(f"{s} {name}" + ("" if st == "fully-qualified" else f" ({st})")
                         for s, st, _, name in entries[i:i + 20])
               for entries in by_sub.values() for i in range(0, len(entries), 20)]
    units += take(rng, listing, 15_000)

    def sentence(lines, n_emoji, sep):
        words = lines[rng.randrange(len(lines))].split(sep) if sep else list(lines[rng.randrange(len(lines))])
        for _ in range(n_emoji):
            pos = rng.randrange(len(words) + 1)
            words.insert(pos, rng.choice(full)[0])
        return (sep or "").join(words)

    units += ["\n".join(sentence(english_lines, rng.randint(1, 4), " ") for _ in range(6))
              for _ in range(60)]
    units += ["\n".join(sentence(chinese_lines, rng.randint(1, 3), "") for _ in range(4))
              for _ in range(15)]

    def pick(pred):
        pool = [e[0] for e in table if pred(e)]
        return pool[rng.randrange(len(pool))]

    kinds = {
        "skin": lambda e: any(0x1F3FB <= ord(c) <= 0x1F3FF for c in e[0]),
        "zwj": lambda e: "\u200d" in e[0],
        "flag": lambda e: e[2] == "country-flag",
        "keycap": lambda e: e[2] == "keycap",
        "tag": lambda e: e[2] == "subdivision-flag",
        "other": lambda e: e[1] != "fully-qualified",
        "any": lambda e: True,
    }
    for kind, pred in kinds.items():
        for _ in range(30):
            n = rng.randint(3, 25)
            joiner = rng.choice(["", "", " ", ", "])
            units.append(joiner.join(pick(pred) for _ in range(n)))
    # Components on their own: skin-tone modifiers, lone regional indicators, ZWJ, VS16, tags.
    parts = ["\U0001F3FB", "\U0001F3FF", "\U0001F1E6", "\U0001F1FF", "\u200d", "\ufe0f", "\u20e3",
             "\U000E0067", "\U000E007F", "\u263a", "\u2764"]
    for _ in range(40):
        units.append("".join(rng.choice(parts + ["a", " ", "1", "#"]) for _ in range(rng.randint(2, 12))))
    rng.shuffle(units)
    return pack(units, joiner="\n")


def cat_numbers(rng):
    def digits(n):
        return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))

    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    gens = [
        lambda: digits(rng.randint(1, 12)),
        lambda: f"{rng.randint(0, 10**9):,}",
        lambda: f"{rng.uniform(-1e6, 1e6):.{rng.randint(1, 6)}f}",
        lambda: f"{rng.uniform(0, 1):.{rng.randint(8, 17)}g}",
        lambda: f"{rng.uniform(1, 10):.3f}e{rng.choice(['-', '+', ''])}{rng.randint(1, 308)}",
        lambda: f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        lambda: f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(1900, 2100)}",
        lambda: f"{rng.choice(months)} {rng.randint(1, 31)}, {rng.randint(1000, 2100)}",
        lambda: (f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                 f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
                 f"{rng.randint(0, 999):03d}Z"),
        lambda: f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
        lambda: digits(rng.randint(20, 200)),
        lambda: f"+1 ({digits(3)}) {digits(3)}-{rng.randint(0, 9999):04d}",
        lambda: f"+44 20 {digits(4)} {rng.randint(0, 9999):04d}",
        lambda: f"{digits(3)}.{digits(3)}.{rng.randint(0, 9999):04d}",
        lambda: f"+86 {digits(3)} {digits(4)} {rng.randint(0, 9999):04d}",
        lambda: ".".join(str(rng.randint(0, 255)) for _ in range(4)),
        lambda: f"v{rng.randint(0, 20)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}" +
                rng.choice(["", "-rc1", "-beta.2", "+build.5"]),
        lambda: f"0x{rng.randint(0, 2**64 - 1):0{rng.choice([2, 4, 8, 16])}X}",
        lambda: f"${rng.randint(0, 10**7):,}.{rng.randint(0, 99):02d}",
        lambda: f"€{rng.randint(0, 10**6)},{rng.randint(0, 99):02d}",
        lambda: f"{rng.randint(0, 100)}.{rng.randint(0, 9)}%",
        lambda: f"{rng.randint(1, 999)}_{rng.randint(0, 999):03d}_{rng.randint(0, 999):03d}",
        lambda: f"-{digits(rng.randint(1, 8))}",
        lambda: f"{rng.randint(1, 99)}/{rng.randint(1, 99)}",
        lambda: f"ISBN 978-{rng.randint(0, 9)}-{digits(3)}-{digits(5)}-{rng.randint(0, 9)}",
        lambda: f"{digits(4)} {digits(4)} {digits(4)} {digits(4)}",
        lambda: "".join(chr(0x0660 + int(d)) for d in digits(rng.randint(1, 8))),  # Arabic-Indic
        lambda: "".join(chr(0x0966 + int(d)) for d in digits(rng.randint(1, 8))),  # Devanagari
        lambda: "".join(chr(0xFF10 + int(d)) for d in digits(rng.randint(1, 8))),  # fullwidth
        lambda: rng.choice(["²", "³", "¹", "½", "¾", "⅓", "Ⅻ", "ⅻ", "①", "⑳", "〇", "𝟙𝟚", "₀₁₂"]) +
                digits(rng.randint(1, 4)),
        lambda: f"{digits(3)}{rng.choice(['km', 'kg', 'ms', 'MB', 'GHz', '°C', 'x'])}",
    ]
    templates = [
        "The total was {} on {}.",
        "Call {} before {}, or {}.",
        "Order #{} shipped {} ({} items).",
        "{} + {} = {}",
        "In {} the population reached {} ({} growth).",
        "{}\t{}\t{}",
        "{}, {}, {}, {}",
        "id={} ts={} value={}",
    ]
    units = []
    for _ in range(900):
        lines = []
        for _ in range(rng.randint(4, 14)):
            t = rng.choice(templates + ["{}"] * 4)
            lines.append(t.format(*(rng.choice(gens)() for _ in range(t.count("{}")))))
        units.append("\n".join(lines))
    return pack(take(rng, units, 60_000), joiner="\n")


def cat_whitespace(rng, base_lines):
    spaces = [" ", "  ", "   ", "    ", " " * 8, " " * 17, " " * 33, "\t", "\t\t", "\t\t\t\t",
              " \t", "\t ", "  \t  ", "\u00a0", "\u3000", "\u2009", "\u2002", "\u202f", "\u205f",
              "\u1680", "\u2028", "\u2029", "\u0085", "\ufeff", "\u200b", "\x0b", "\x0c"]
    newlines = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n\n\n", "\n" * 7, "\n\r", " \n", "\t\n",
                "  \r\n"]
    units = []
    for _ in range(700):
        n = rng.randint(2, 12)
        mode = rng.randrange(6)
        out = []
        for _ in range(n):
            line = base_lines[rng.randrange(len(base_lines))].rstrip("\n")
            if mode == 0:    # indentation with spaces/tabs
                line = rng.choice(spaces[:13]) * rng.randint(0, 4) + line.lstrip()
            elif mode == 1:  # runs inside the line
                words = line.split(" ")
                line = "".join(w + rng.choice(spaces) for w in words)
            elif mode == 2:  # trailing whitespace
                line = line + rng.choice(spaces[:13]) * rng.randint(1, 3)
            elif mode == 3:  # exotic spaces between words
                line = rng.choice(spaces[13:]).join(line.split(" "))
            elif mode == 4:  # whitespace-only lines
                line = "".join(rng.choice(spaces[:13]) for _ in range(rng.randint(0, 6)))
            out.append(line + rng.choice(newlines))
        unit = "".join(out)
        if rng.random() < 0.3:
            unit = unit.rstrip()
        if rng.random() < 0.2:
            unit = rng.choice(spaces) * rng.randint(1, 5) + unit
        units.append(unit)
    units += ["".join(rng.choice(spaces + newlines) for _ in range(rng.randint(1, 40)))
              for _ in range(60)]
    rng.shuffle(units)
    return pack(take(rng, units, 60_000), joiner="")


def cat_mixed(pk, rng, pools):
    """Emacs HELLO (~100 scripts), slices of the Emacs tutorials in other scripts, and lines
    stitched from fragments of the other categories."""
    hello = open(pk.path("emacs-common", "usr/share/emacs/28.2/etc/HELLO"), encoding="utf-8").read()
    hello = re.sub(r"<x-charset><param>[^<]*</param>|</x-charset>", "", hello)
    hello_lines = [l for l in hello.splitlines(keepends=True)
                   if assigned_u14(l) and not l.startswith(";;;")]
    fixed = ["".join(hello_lines[i:i + 30]) for i in range(0, len(hello_lines), 30)]
    for name in ("TUTORIAL.he", "TUTORIAL.th", "TUTORIAL.cs", "TUTORIAL.pl", "TUTORIAL.de",
                 "TUTORIAL.fr", "TUTORIAL.bg", "TUTORIAL.zh", "TUTORIAL.sk", "TUTORIAL.eo"):
        fixed += windows(rng, tutorial(pk, name), 2, 12, 25)
    names = sorted(pools)
    stitched = []
    for _ in range(1600):
        parts = []
        for _ in range(rng.randint(2, 5)):
            pool = pools[rng.choice(names)]
            line = pool[rng.randrange(len(pool))].strip()
            start = rng.randrange(max(1, len(line) - 40))
            parts.append(line[start:start + rng.randint(5, 60)])
        stitched.append(rng.choice([" ", "", " | ", ": ", " — ", "\t"]).join(parts))
    units = fixed + take(rng, stitched, 55_000)
    rng.shuffle(units)
    return pack(units, joiner="\n")


kInvalid = [
    b"\x80", b"\xbf", b"\x80\x80", b"\xa0\xa1", b"\xbf\xbf\xbf",     # lone continuation bytes
    b"\xc3", b"\xe4\xb8", b"\xe2\x82", b"\xf0\x9f\x98", b"\xf0\x9f", b"\xf4\x8f\xbf",  # truncated
    b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xe0\x9f\xbf", b"\xf0\x80\x80\xaf",   # overlong
    b"\xc0\x80",                                                       # modified-UTF-8 NUL
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\xbd\xed\xb8\x80",    # UTF-8-encoded surrogates
    b"\xfe", b"\xff", b"\xfe\xff", b"\xff\xfe",                        # never valid
    b"\xf5\x80\x80\x80", b"\xf7\xbf\xbf\xbf", b"\xf4\x90\x80\x80",    # above U+10FFFF
    b"\xf8\x88\x80\x80\x80", b"\xfc\x84\x80\x80\x80\x80",              # old 5/6-byte forms
]


def cat_invalid_utf8(rng, pools):
    segments = []
    names = sorted(pools)
    size = 0
    while size < 50_000:
        pool = pools[rng.choice(names)]
        text = "\n".join(pool[rng.randrange(len(pool))].rstrip("\n")
                         for _ in range(rng.randint(1, 6)))
        data = bytearray(text.encode("utf-8")[:kMaxSegment - 64])
        for _ in range(rng.randint(1, 8)):
            bad = rng.choice(kInvalid)
            where = rng.random()
            if where < 0.1:
                pos = 0
            elif where < 0.2:
                pos = len(data)
            else:
                pos = rng.randrange(len(data) + 1)  # may land inside a character: truncation
            data[pos:pos] = bad
        if rng.random() < 0.1:
            data = bytearray(b"".join(rng.choice(kInvalid) for _ in range(rng.randint(1, 12))))
        assert b"\x1e" not in data
        segments.append(bytes(data))
        size += len(data)
    return segments


kSpecialSegments = [
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    "Hello! 你好，世界。<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHi there!<|im_end|>\n",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
    "December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>"
    "\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    "<s>[INST] What is your favourite condiment? [/INST]Well, I'm quite partial to a good squeeze "
    "of fresh lemon juice.</s> [INST] Do you have mayonnaise recipes? [/INST]",
    "<bos><start_of_turn>user\nWrite a haiku about tokenizers.<end_of_turn>\n<start_of_turn>model\n",
    "<|im_start|><|im_end|><|im_start|><|im_end|>",
    "<|im_start|>  spaced  <|im_end|>  \n",
    " <|endoftext|> ",
    "text<|endoftext|>text<|endoftext|>",
    "<|im_start <|im_end| im_end|> <||> <|> |>",
    "<<|im_start|>> [<|im_end|>] (<|endoftext|>)",
    "<|IM_START|> <|Im_End|> <|ENDOFTEXT|>",
    "<s><s></s></s> <unk> <pad> <eos> <bos> <mask>",
    "[multimodal] <unused0> <unused99>x <unused6241> <unused6242>",
    "<start_of_image><image_soft_token><end_of_image>",
    "<table><tr><td>1</td><td>2</td></tr></table>\n<h1>Title</h1><b>bold</b> <code>x</code>",
    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
    "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n    return c<|fim_middle|>",
    "<|repo_name|>primer<|file_sep|>src/main.cpp\nint main() {}\n",
    "<|reserved_special_token_0|><|reserved_special_token_250|><|reserved_special_token_251|>",
    "<|python_tag|>print(1)<|eom_id|><|finetune_right_pad_id|>",
    "<|eot_id|>\n<|eot_id|> <|eot_id|>x",
    "▁▁ space markers ▁▁▁ written literally ▁",
    "</s>\n<s>\n\n<s> leading space </s>",
    "Hello<s>world</s>!",
    "<think>reasoning</think>answer",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<s>",
    "<bos>",
    "<|im_end|>\n",
]


def cat_special(rng, pools):
    tokens = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>",
              "<|start_header_id|>", "<|end_header_id|>", "<s>", "</s>", "<unk>", "<bos>",
              "<eos>", "<start_of_turn>", "<end_of_turn>", "<think>", "</think>", "<tool_call>",
              "<pad>", "<mask>", "<|vision_start|>", "<|image_pad|>", "[INST]", "[/INST]"]
    segments = list(kSpecialSegments)
    names = sorted(pools)
    for _ in range(120):
        parts = []
        for _ in range(rng.randint(2, 8)):
            if rng.random() < 0.5:
                parts.append(rng.choice(tokens))
            else:
                pool = pools[rng.choice(names)]
                line = pool[rng.randrange(len(pool))]
                parts.append(line[:rng.randint(1, 80)])
        segments.append(rng.choice(["", " ", "\n"]).join(parts))
    return segments


def lines_of(segments):
    return [l for s in segments for l in s.splitlines() if l.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.join(REPO, "build-corpus-src"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests/golden/tokenizer/corpus"))
    args = ap.parse_args()
    pk = Packages(args.cache)
    rng = lambda name: random.Random(f"primer-tokenizer-corpus/{name}")  # noqa: E731

    cats = {}
    cats["english"] = cat_english(pk, rng("english"))
    cats["code"] = cat_code(pk, rng("code"))
    cats["chinese"] = cat_chinese(pk, rng("chinese"))
    cats["japanese"] = cat_japanese(pk, rng("japanese"))
    cats["korean"] = cat_korean(pk, rng("korean"))
    cats["arabic"] = cat_arabic(pk, rng("arabic"))
    cats["hindi"] = cat_hindi(pk, rng("hindi"))
    cats["russian"] = cat_russian(pk, rng("russian"))
    cats["numbers"] = cat_numbers(rng("numbers"))
    pools = {k: lines_of(v) for k, v in cats.items()}
    cats["emoji"] = cat_emoji(pk, rng("emoji"), pools["english"], pools["chinese"])
    pools["emoji"] = lines_of(cats["emoji"])
    cats["whitespace"] = cat_whitespace(rng("whitespace"), pools["english"] + pools["code"])
    cats["mixed"] = cat_mixed(pk, rng("mixed"), pools)
    cats["special"] = cat_special(rng("special"), pools)
    cats["invalid-utf8"] = cat_invalid_utf8(rng("invalid-utf8"), pools)

    os.makedirs(args.out, exist_ok=True)
    summary = []
    total = 0
    for name, segments in cats.items():
        data = io.BytesIO()
        for s in segments:
            b = s if isinstance(s, bytes) else s.encode("utf-8")
            assert b"\x1e" not in b and len(b) <= kMaxSegment, (name, len(b))
            if not isinstance(s, bytes):
                assert assigned_u14(s), (name, [c for c in s if unicodedata.category(c) == "Cn"])
            data.write(b + kSeparator.encode())
        with open(os.path.join(args.out, f"{name}.txt"), "wb") as f:
            f.write(data.getvalue())
        total += data.tell()
        summary.append(f"{name:14s} {len(segments):5d} segments {data.tell():9d} bytes")
    with open(os.path.join(args.out, "SOURCES.txt"), "w") as f:
        f.write("# Generated by scripts/gen-tokenizer-corpus.py; do not edit.\n")
        f.write(f"# Unicode {unicodedata.unidata_version} (Python {sys.version.split()[0]}); "
                f"segments end with 0x1E 0x0A; at most {kMaxSegment} bytes each.\n\n")
        f.write("Debian packages (apt-get download, bookworm):\n")
        for deb in sorted(pk.used.values()):
            f.write(f"  {deb}\n")
        f.write("\nCategories:\n")
        for line in summary:
            f.write(f"  {line}\n")
        f.write(f"  {'total':14s} {sum(len(v) for v in cats.values()):5d} segments {total:9d} bytes\n")
    print("\n".join(summary))
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
