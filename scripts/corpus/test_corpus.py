"""Self-tests of the corpus readers on hand-made inputs (no Debian packages needed).

    /usr/bin/python3 -m unittest discover -s scripts/corpus -p 'test_*.py'

The R serialization bytes are written here by hand from R's format (serialize.c): XDR header,
then items as (flags, payload); so a reader bug shows as a mismatch with these known values.
"""
import gzip
import os
import struct
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdata  # noqa: E402
import sword_text  # noqa: E402
import textnorm  # noqa: E402
import wordnet_chat  # noqa: E402


def i32(v):
    return struct.pack(">i", v)


def header(version=3):
    out = b"X\n" + i32(version) + i32(0x040201) + i32(0x030500)
    if version == 3:
        out += i32(5) + b"UTF-8"
    return out


def charsxp(s, utf8=True):
    if s is None:
        return i32(9) + i32(-1)
    b = s.encode("utf-8")
    return i32(9 | ((1 << 3) << 12 if utf8 else 0)) + i32(len(b)) + b


def strsxp(items, attrs=b""):
    flags = 16 | ((1 << 9) if attrs else 0)
    return i32(flags) + i32(len(items)) + b"".join(charsxp(s) for s in items) + attrs


def names_attr(names):
    # pairlist cell with tag: LISTSXP | has_attr? no | has_tag; tag = SYMSXP "names"; car; cdr NULL
    return i32(2 | (1 << 10)) + i32(1) + charsxp("names", utf8=False) + strsxp(names) + i32(254)


class RDataTest(unittest.TestCase):
    def test_character_vector_with_na(self):
        v = rdata.unserialize(header() + strsxp(["It is a truth", "", None, "café"]))
        self.assertEqual(list(v), ["It is a truth", "", None, "café"])

    def test_named_list_and_back_reference(self):
        # list(a = 1:2 as INTSXP, b = 2.5); names carry the attribute; version 2 header
        ints = i32(13) + i32(2) + i32(1) + i32(2)
        real = i32(14) + i32(1) + struct.pack(">d", 2.5)
        data = header(2) + i32(19 | (1 << 9)) + i32(2) + ints + real + names_attr(["a", "b"])
        v = rdata.unserialize(data)
        self.assertEqual(v.as_dict(), {"a": [1, 2], "b": [2.5]})

    def test_symbol_back_reference(self):
        # pairlist(x = "p", x = "q"): the second tag is REFSXP 1 (the first symbol)
        cell2 = i32(2 | (1 << 10)) + i32(255 | (1 << 8)) + strsxp(["q"]) + i32(254)
        cell1 = i32(2 | (1 << 10)) + i32(1) + charsxp("x") + strsxp(["p"]) + cell2
        v = rdata.unserialize(header() + cell1)
        self.assertEqual(v.tags, ["x", "x"])
        self.assertEqual([list(x) for x in v], [["p"], ["q"]])

    def test_compact_intseq(self):
        info = i32(2) + i32(1) + charsxp("compact_intseq") + i32(254)  # pairlist(sym)
        state = i32(14) + i32(3) + struct.pack(">3d", 5, 3, 1)
        v = rdata.unserialize(header() + i32(238) + info + state + i32(254))
        self.assertEqual(list(v), [3, 4, 5, 6, 7])

    def test_truncated_input_is_an_error(self):
        with self.assertRaises(rdata.RError):
            rdata.unserialize(header() + strsxp(["abc"])[:-2])

    def test_lazy_load_db(self):
        with tempfile.TemporaryDirectory() as d:
            base = os.path.join(d, "Rdata")
            blobs, keys = b"", []
            for items in (["Chapter 1", "", "Text."], ["x"]):
                raw = header() + strsxp(items)
                blob = struct.pack(">I", len(raw)) + zlib.compress(raw)
                keys.append((len(blobs), len(blob)))
                blobs += blob
            key_vec = b"".join(i32(13) + i32(2) + i32(o) + i32(n) for o, n in keys)
            variables = i32(19 | (1 << 9)) + i32(2) + key_vec + names_attr(["novel", "other"])
            index = header() + i32(19 | (1 << 9)) + i32(1) + variables + names_attr(["variables"])
            with open(base + ".rdx", "wb") as f:
                f.write(gzip.compress(index, mtime=0))
            with open(base + ".rdb", "wb") as f:
                f.write(blobs)
            db = rdata.LazyLoadDB(base)
            self.assertEqual(db.names(), ["novel", "other"])
            self.assertEqual(list(db.get("novel")), ["Chapter 1", "", "Text."])
            self.assertEqual(list(db.get("other")), ["x"])
            with self.assertRaises(rdata.RError):
                db.get("missing")


class TextTest(unittest.TestCase):
    def test_normalisation(self):
        self.assertEqual(textnorm.clean_line("\u201cYes,\u201d she said\u2014\tdon\u2019t"),
                         '"Yes," she said-- don\'t')

    def test_wordnet_gloss_split(self):
        d, ex = wordnet_chat.split_gloss('sloping land; a bank of earth; "they sat on the bank"; "a `high\' bank"')
        self.assertEqual(d, "sloping land; a bank of earth")
        self.assertEqual(ex, ["they sat on the bank", "a 'high' bank"])

    def test_wordnet_answer(self):
        a = wordnet_chat.answer("bank", [("n", "sloping land", ["they sat on the bank"])])
        self.assertEqual(a, 'The word "bank" is a noun. It means sloping land. For example: "they sat on the bank."')

    def test_osis(self):
        state = {"in_book": True}
        osis = ('<div sID="g1" type="x-p"/><w lemma="x">God</w><note placement="foot">a note</note>'
                '<w lemma="y">created</w> the <title type="section">Heading</title>earth.'
                '<lg sID="l1"/><l sID="a"/>Sing,<l eID="a"/><l sID="b"/>O heavens.')
        paras = list(sword_text.paragraphs(sword_text.osis_to_text(osis, state)))
        self.assertEqual(paras, ["God created the earth.", "Sing,\nO heavens."])


if __name__ == "__main__":
    unittest.main()
