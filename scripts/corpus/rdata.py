"""A small reader for R's serialization format (XDR, versions 2 and 3) and lazy-load databases.

Stdlib only; R is not needed. Enough of the format to read data packages (vectors, lists,
attributes, pairlists, environments, ALTREP compact sequences and wrappers); closures and byte
code are parsed structurally but not interpreted.

A lazy-load database is a pair NAME.rdx / NAME.rdb (what R's `data/Rdata.*` and `R/pkg.*` are):
  - NAME.rdx: a gzip-compressed serialized list(variables = list(name = c(offset, length)), ...)
  - NAME.rdb: blobs at those offsets: a 4-byte big-endian uncompressed length, then (compression
    type 1) a zlib stream, or (types 2/3) one type byte ('0' none, 'Z' zlib, '2' bzip2, 'X' xz)
    and the stream; each blob is one serialized object.

Values come back as Python objects: character vectors as lists of str (None for NA), numeric
vectors as lists, named lists as RList (a list with .attrs), NULL as None.

Usage as a tool:  python3 rdata.py DIR/NAME      lists the variables of DIR/NAME.rdx/.rdb
"""
import bz2
import gzip
import lzma
import struct
import sys
import zlib

# SEXP types (R's Rinternals.h) and serialization pseudo-types (serialize.c).
NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP, PROMSXP, LANGSXP = 0, 1, 2, 3, 4, 5, 6
SPECIALSXP, BUILTINSXP, CHARSXP, LGLSXP = 7, 8, 9, 10
INTSXP, REALSXP, CPLXSXP, STRSXP, DOTSXP = 13, 14, 15, 16, 17
VECSXP, EXPRSXP, BCODESXP, EXTPTRSXP, WEAKREFSXP, RAWSXP, S4SXP = 19, 20, 21, 22, 23, 24, 25
REFSXP, NILVALUE_SXP, GLOBALENV_SXP, UNBOUNDVALUE_SXP = 255, 254, 253, 252
MISSINGARG_SXP, BASENAMESPACE_SXP, NAMESPACESXP, PACKAGESXP = 251, 250, 249, 248
PERSISTSXP, CLASSREFSXP, GENERICREFSXP, BCREPDEF = 247, 246, 245, 244
EMPTYENV_SXP, BASEENV_SXP, ATTRLANGSXP, ATTRLISTSXP, ALTREP_SXP = 242, 241, 240, 239, 238
BCREPREF = 243

NA_INTEGER = -(2 ** 31)
LATIN1_MASK = 1 << 2
BYTES_MASK = 1 << 1


class RError(Exception):
    pass


class RList(list):
    """An R generic vector (or pairlist) with its attributes (names, class, ...)."""

    def __init__(self, items=(), attrs=None):
        super().__init__(items)
        self.attrs = attrs or {}

    def names(self):
        return self.attrs.get("names")

    def as_dict(self):
        names = self.names() or []
        return dict(zip(names, self))


class RVector(list):
    """An atomic vector with attributes."""

    def __init__(self, items=(), attrs=None, rtype=None):
        super().__init__(items)
        self.attrs = attrs or {}
        self.rtype = rtype


class RObject:
    """Anything else (symbols, environments, closures, language objects)."""

    def __init__(self, kind, **fields):
        self.kind = kind
        self.__dict__.update(fields)

    def __repr__(self):
        return f"<R {self.kind}>"


class _Reader:
    def __init__(self, data, persist_hook=None):
        self.buf = memoryview(data)
        self.pos = 0
        self.refs = []
        self.persist_hook = persist_hook

    def take(self, n):
        if self.pos + n > len(self.buf):
            raise RError(f"truncated R serialization at byte {self.pos} (wanted {n} bytes)")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def length(self):
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + (lo & 0xFFFFFFFF)
        if n < 0:
            raise RError(f"negative vector length {n} at byte {self.pos}")
        return n

    def header(self):
        fmt = bytes(self.take(2))
        if fmt != b"X\n":
            raise RError(f"unsupported R serialization format {fmt!r} (only XDR 'X' is read)")
        version = self.int()
        self.int()  # writer's R version
        self.int()  # minimal R version
        if version == 3:
            n = self.int()
            self.take(n)  # native encoding
        elif version != 2:
            raise RError(f"unsupported R serialization version {version}")

    def charsxp(self, levels):
        n = self.int()
        if n == -1:
            return None
        raw = bytes(self.take(n))
        if levels & LATIN1_MASK:
            return raw.decode("latin-1")
        if levels & BYTES_MASK:
            return raw.decode("latin-1")
        return raw.decode("utf-8", errors="replace")

    def attributes(self, has_attr):
        if not has_attr:
            return {}
        pl = self.item()
        return pairlist_to_dict(pl)

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        levels = flags >> 12
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))

        if t == NILVALUE_SXP:
            return None
        if t in (EMPTYENV_SXP, BASEENV_SXP, GLOBALENV_SXP, UNBOUNDVALUE_SXP, MISSINGARG_SXP,
                 BASENAMESPACE_SXP):
            return RObject("special_env", code=t)
        if t == REFSXP:
            idx = flags >> 8
            if idx == 0:
                idx = self.int()
            if not 1 <= idx <= len(self.refs):
                raise RError(f"bad back-reference {idx} (table has {len(self.refs)})")
            return self.refs[idx - 1]
        if t == PERSISTSXP:
            names = self.string_vec()
            obj = self.persist_hook(names) if self.persist_hook else RObject("persist", names=names)
            self.refs.append(obj)
            return obj
        if t == SYMSXP:
            name = self.item()  # a CHARSXP
            obj = RObject("symbol", name=name)
            self.refs.append(obj)
            return obj
        if t in (PACKAGESXP, NAMESPACESXP):
            names = self.string_vec()
            obj = RObject("namespace" if t == NAMESPACESXP else "package", names=names)
            self.refs.append(obj)
            return obj
        if t == ENVSXP:
            self.int()  # locked
            obj = RObject("environment")
            self.refs.append(obj)
            obj.enclos = self.item()
            obj.frame = self.item()
            obj.hashtab = self.item()
            obj.attrs = pairlist_to_dict(self.item())
            return obj
        if t in (LISTSXP, LANGSXP, CLOSXP, PROMSXP, DOTSXP, ATTRLANGSXP, ATTRLISTSXP):
            return self.pairlist(t, has_attr, has_tag)
        if t == ALTREP_SXP:
            info = self.item()
            state = self.item()
            attrs = pairlist_to_dict(self.item())
            return altrep_value(info, state, attrs)
        if t == CHARSXP:
            return self.charsxp(levels)
        if t in (LGLSXP, INTSXP):
            n = self.length()
            vals = list(struct.unpack(f">{n}i", self.take(4 * n)))
            vals = [None if v == NA_INTEGER else v for v in vals]
            if t == LGLSXP:
                vals = [None if v is None else bool(v) for v in vals]
            return RVector(vals, self.attributes(has_attr), t)
        if t == REALSXP:
            n = self.length()
            return RVector(struct.unpack(f">{n}d", self.take(8 * n)), self.attributes(has_attr), t)
        if t == CPLXSXP:
            n = self.length()
            v = struct.unpack(f">{2 * n}d", self.take(16 * n))
            return RVector([complex(v[i], v[i + 1]) for i in range(0, 2 * n, 2)],
                           self.attributes(has_attr), t)
        if t == RAWSXP:
            n = self.length()
            return RVector(bytes(self.take(n)), self.attributes(has_attr), t)
        if t == STRSXP:
            n = self.length()
            vals = [self.item() for _ in range(n)]
            return RVector(vals, self.attributes(has_attr), t)
        if t in (VECSXP, EXPRSXP):
            n = self.length()
            vals = [self.item() for _ in range(n)]
            return RList(vals, self.attributes(has_attr))
        if t == S4SXP:
            return RObject("s4", attrs=self.attributes(has_attr))
        if t in (SPECIALSXP, BUILTINSXP):
            n = self.int()
            return RObject("builtin", name=bytes(self.take(n)).decode("latin-1"))
        if t == EXTPTRSXP:
            obj = RObject("extptr")
            self.refs.append(obj)
            obj.prot = self.item()
            obj.tag = self.item()
            obj.attrs = self.attributes(has_attr)
            return obj
        if t == WEAKREFSXP:
            obj = RObject("weakref")
            self.refs.append(obj)
            obj.attrs = self.attributes(has_attr)
            return obj
        if t == BCODESXP:
            reps_n = self.int()
            obj = self.bytecode(reps_n and [None] * reps_n)
            obj.attrs = self.attributes(has_attr)
            return obj
        raise RError(f"unsupported R serialization type {t} at byte {self.pos - 4}")

    def string_vec(self):
        if self.int() != 0:
            raise RError("bad string vector in a persistent/namespace reference")
        n = self.int()
        return [self.item() for _ in range(n)]

    def pairlist(self, t, has_attr, has_tag):
        # Iterative over the cdr chain, so long pairlists do not recurse deeply.
        items, tags = [], []
        attrs = {}
        first = True
        while True:
            a = pairlist_to_dict(self.item()) if has_attr else {}
            if first:
                attrs = a
            tag = self.item() if has_tag else None
            car = self.item()
            items.append(car)
            tags.append(tag.name if isinstance(tag, RObject) and tag.kind == "symbol" else None)
            first = False
            # Peek at the cdr: continue the loop only for a plain pairlist cell of the same kind.
            flags = struct.unpack(">i", self.buf[self.pos:self.pos + 4])[0]
            nt = flags & 0xFF
            if t in (LISTSXP, ATTRLISTSXP) and nt in (LISTSXP, ATTRLISTSXP):
                self.pos += 4
                has_attr = bool(flags & (1 << 9))
                has_tag = bool(flags & (1 << 10))
                continue
            cdr = self.item()
            break
        kind = {LISTSXP: "pairlist", ATTRLISTSXP: "pairlist", LANGSXP: "call",
                ATTRLANGSXP: "call", CLOSXP: "closure", PROMSXP: "promise", DOTSXP: "dots"}[t]
        if kind == "pairlist":
            out = RList(items, attrs)
            out.tags = tags
            return out
        return RObject(kind, items=items, tags=tags, cdr=cdr, attrs=attrs)

    def bytecode(self, reps):
        code = self.item()
        n = self.int()
        consts = []
        for _ in range(n):
            ct = self.int()
            if ct == BCODESXP:
                consts.append(self.bytecode(reps))
            elif ct in (LANGSXP, LISTSXP, BCREPDEF, BCREPREF, ATTRLANGSXP, ATTRLISTSXP):
                consts.append(self.bclang(ct, reps))
            else:
                consts.append(self.item())
        return RObject("bytecode", code=code, consts=consts)

    def bclang(self, t, reps):
        if t == BCREPREF:
            return reps[self.int()]
        if t in (BCREPDEF, LANGSXP, LISTSXP, ATTRLANGSXP, ATTRLISTSXP):
            pos = -1
            if t == BCREPDEF:
                pos = self.int()
                t = self.int()
            obj = RObject("bclang")
            if pos >= 0:
                reps[pos] = obj
            if t in (ATTRLANGSXP, ATTRLISTSXP):
                obj.attrs = self.item()
            obj.tag = self.item()
            obj.car = self.bclang(self.int(), reps)
            obj.cdr = self.bclang(self.int(), reps)
            return obj
        return self.item()


def pairlist_to_dict(pl):
    if pl is None:
        return {}
    if isinstance(pl, RList) and hasattr(pl, "tags"):
        return {tag: val for tag, val in zip(pl.tags, pl) if tag is not None}
    return {}


def altrep_value(info, state, attrs):
    """Materialises the ALTREP classes R writes for data (compact sequences, wrappers)."""
    cls = info[0].name if isinstance(info, RList) and info and isinstance(info[0], RObject) else None
    if cls == "compact_intseq":
        n, start, step = (int(x) for x in state)
        return RVector([start + i * step for i in range(n)], attrs, INTSXP)
    if cls == "compact_realseq":
        n, start, step = state
        return RVector([start + i * step for i in range(int(n))], attrs, REALSXP)
    if cls in ("wrap_integer", "wrap_real", "wrap_string", "wrap_logical", "wrap_list",
               "wrap_complex", "wrap_raw"):
        inner = state[0]
        if attrs and hasattr(inner, "attrs"):
            inner.attrs.update(attrs)
        return inner
    if cls == "deferred_string":
        arg = state[0] if isinstance(state, RList) else state
        return RVector([None if v is None else str(v) for v in arg], attrs, STRSXP)
    raise RError(f"unsupported ALTREP class {cls!r}")


def unserialize(data, persist_hook=None):
    """Reads one serialized R object from bytes (already decompressed)."""
    r = _Reader(data, persist_hook)
    r.header()
    return r.item()


def read_rds(path):
    """Reads an .rds file (gzip, bzip2, xz or uncompressed)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:3] == b"BZh":
        raw = bz2.decompress(raw)
    elif raw[:6] == b"\xfd7zXZ\x00":
        raw = lzma.decompress(raw)
    return unserialize(raw)


def _decompress_blob(blob, compressed):
    if len(blob) < 5:
        raise RError("lazy-load blob shorter than its header")
    n = struct.unpack(">I", blob[:4])[0]
    if compressed in (2, 3):
        kind, body = blob[4:5], blob[5:]
        if kind == b"Z":
            out = zlib.decompress(body)
        elif kind == b"2":
            out = bz2.decompress(body)
        elif kind == b"X":
            out = lzma.decompress(body, format=lzma.FORMAT_ALONE if body[:1] == b"]" else lzma.FORMAT_AUTO)
        elif kind == b"0":
            out = body
        else:
            raise RError(f"unknown lazy-load compression type {kind!r}")
    else:
        out = zlib.decompress(blob[4:])
    if len(out) != n:
        raise RError(f"lazy-load blob decompressed to {len(out)} bytes, header says {n}")
    return out


class LazyLoadDB:
    """NAME.rdx + NAME.rdb: names and values of a package's lazy-loaded objects."""

    def __init__(self, base):
        self.base = base
        index = read_rds(base + ".rdx")
        if not isinstance(index, RList):
            raise RError(f"{base}.rdx: not a lazy-load index")
        d = index.as_dict()
        self.variables = d.get("variables")
        self.references = d.get("references")
        comp = d.get("compressed")
        self.compressed = int(comp[0]) if comp else 1
        if not isinstance(self.variables, RList):
            raise RError(f"{base}.rdx: no 'variables' in the index")
        with open(base + ".rdb", "rb") as f:
            self.blob = f.read()

    def names(self):
        return list(self.variables.names() or [])

    def _fetch(self, key):
        off, length = (int(x) for x in key)
        if off < 0 or off + length > len(self.blob):
            raise RError(f"{self.base}.rdb: entry at {off}+{length} is outside the file")
        return unserialize(_decompress_blob(self.blob[off:off + length], self.compressed),
                           persist_hook=self._persist)

    def _persist(self, names):
        refs = self.references.as_dict() if isinstance(self.references, RList) else {}
        key = refs.get(names[0]) if names else None
        return self._fetch(key) if key is not None else RObject("persist", names=names)

    def get(self, name):
        d = self.variables.as_dict()
        if name not in d:
            raise RError(f"{self.base}: no variable {name!r} (have {', '.join(self.names())})")
        return self._fetch(d[name])


def main(argv):
    if len(argv) != 2:
        print("usage: rdata.py DIR/NAME   (reads NAME.rdx and NAME.rdb)", file=sys.stderr)
        return 2
    db = LazyLoadDB(argv[1])
    for name in db.names():
        v = db.get(name)
        kind = type(v).__name__
        size = len(v) if hasattr(v, "__len__") else "-"
        print(f"{name}\t{kind}\t{size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
