"""Plain text from a SWORD zText Bible module with OSIS markup (Debian's sword-text-web).

    python3 sword_text.py MODULE_DIR OUT.txt

MODULE_DIR holds {ot,nt}.bzs / .bzv / .bzz (SWORD's zText driver, ZIP compression):
  .bzs  blocks:  12 bytes each, little-endian uint32 (offset in .bzz, compressed size, size)
  .bzv  entries: 10 bytes each, uint32 block, uint32 offset in the block, uint16 size — one per
        verse slot of the versification (headers, book and chapter intros included), in order
  .bzz  zlib streams, one per block
Entries are read in index order, so the text comes out in canonical order without knowing the
versification. OSIS markup: footnotes and cross references are dropped, paragraphs (x-p divs and
line breaks) become blank-line separated paragraphs, poetry lines become lines, each book starts
with its title. Paragraphs are written as single lines;
typography normalised by textnorm (ASCII quotes, '--' dashes).
"""
import html
import os
import re
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import textnorm  # noqa: E402

NOTE = re.compile(r"<note\b[^>]*>.*?</note>", re.S)
TITLE = re.compile(r"<title\b([^>]*)>(.*?)</title>", re.S)
TAG = re.compile(r"<[^>]*>")
PARA = "\x01"   # paragraph break marker
LINE = "\x02"   # line break marker


def read_entries(module_dir, testament):
    with open(f"{module_dir}/{testament}.bzs", "rb") as f:
        bzs = f.read()
    with open(f"{module_dir}/{testament}.bzv", "rb") as f:
        bzv = f.read()
    with open(f"{module_dir}/{testament}.bzz", "rb") as f:
        bzz = f.read()
    blocks = [struct.unpack_from("<3I", bzs, i) for i in range(0, len(bzs) - 11, 12)]
    cache = {}
    for i in range(0, len(bzv) - 9, 10):
        block, offset, size = struct.unpack_from("<IIH", bzv, i)
        if size == 0:
            continue
        if block >= len(blocks):
            raise ValueError(f"{module_dir}/{testament}.bzv: entry {i // 10} names block {block} of {len(blocks)}")
        if block not in cache:
            cache.clear()
            off, csize, usize = blocks[block]
            data = zlib.decompress(bzz[off:off + csize])
            if len(data) != usize:
                raise ValueError(f"{module_dir}/{testament}.bzz: block {block} has {len(data)} bytes, index says {usize}")
            cache[block] = data
        yield cache[block][offset:offset + size].decode("utf-8")


def osis_to_text(entry, state):
    """One entry's OSIS to text with PARA/LINE markers; state tracks whether a book has started."""
    # A note between two words stands for the space between them ("God</w><note>..</note><w>").
    s = NOTE.sub(lambda m: " " if entry.startswith("<w", m.end()) else "", entry)

    def title(m):
        attrs, body = m.group(1), m.group(2)
        if 'type="main"' in attrs:
            return f"{PARA}\x03{TAG.sub('', body).strip()}\x03{PARA}"
        return " "  # section headings, psalm superscriptions: dropped
    s = TITLE.sub(title, s)
    if 'type="book"' in s and "sID=" in s:
        state["in_book"] = True
        s = s.replace('type="book"', "") + ""
        s = PARA + PARA + s
    s = re.sub(r'<div\b[^>]*type="x-p"[^>]*sID=[^>]*/>|<div\b[^>]*sID=[^>]*type="x-p"[^>]*/>', PARA, s)
    s = re.sub(r'<lb\b[^>]*type="x-p"[^>]*/>|<lg\b[^>]*sID=[^>]*/>', PARA, s)
    s = re.sub(r'<l\b[^>]*sID=[^>]*/>', LINE, s)
    s = re.sub(r"<item\b[^>]*>", PARA, s)  # glossary entries: "keyword: text" paragraphs
    s = re.sub(r'<seg type="keyword">(.*?)</seg>\s*', r"\1: ", s)
    s = TAG.sub("", s)
    if not state.get("in_book"):
        return ""  # module header and front matter
    return html.unescape(s) + " "


def paragraphs(text):
    text = re.sub(r"\x03\s*" + PARA + r"+\s*\x03", " ", text)  # two-part main titles: one line
    text = text.replace("\x03", "")
    for para in text.split(PARA):
        lines = [re.sub(r"\s+", " ", ln).strip() for ln in para.split(LINE)]
        lines = [ln for ln in lines if ln]
        if lines:
            yield "\n".join(lines)


def main(argv):
    if len(argv) != 3:
        print("usage: sword_text.py MODULE_DIR OUT.txt", file=sys.stderr)
        return 2
    state = {}
    parts = []
    for testament in ("ot", "nt"):
        for entry in read_entries(argv[1], testament):
            parts.append(osis_to_text(entry, state))
    n = textnorm.write_paragraphs(argv[2], paragraphs("".join(parts)))
    print(f"sword_text: {n} bytes -> {argv[2]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
