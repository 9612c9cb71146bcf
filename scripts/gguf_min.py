"""A minimal GGUF (v2/v3) reader for the Python oracles and peers (gen-torch-goldens.py,
bench-torch-peer.py): metadata and F32/F16/BF16 tensors as float32 numpy arrays in numpy order
(the reverse of ggml's ne[] list). Quantized tensors are refused: make such models with
`primer gen-model --type F32|F16|BF16`."""
import math
import struct

import numpy as np

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
            11: "<q", 12: "<d"}
GGML_F32, GGML_F16, GGML_BF16 = 0, 1, 30


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def unpack(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.unpack("<Q")
        s = bytes(self.data[self.pos:self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return s

    def value(self, vtype, skip_arrays):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            etype, n = self.unpack("<I"), self.unpack("<Q")
            if skip_arrays and etype in _SCALARS:
                self.pos += n * struct.calcsize(_SCALARS[etype])
                return None
            return [self.value(etype, skip_arrays) for _ in range(n)]
        raise ValueError("gguf: unknown value type %d" % vtype)


def read_gguf(path, skip_tokenizer_arrays=False):
    """(metadata dict, {name: float32 numpy array}, the file's bytes as a numpy memmap).
    skip_tokenizer_arrays leaves numeric tokenizer.* arrays out (None) to save time."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(data[:4]) != b"GGUF":
        raise ValueError("%s: not a GGUF file" % path)
    r = _Reader(data)
    r.pos = 4
    version = r.unpack("<I")
    if version not in (2, 3):
        raise ValueError("%s: GGUF version %d (need 2 or 3)" % (path, version))
    n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
    kv = {}
    for _ in range(n_kv):
        key = r.string()
        vtype = r.unpack("<I")
        kv[key] = r.value(vtype, skip_tokenizer_arrays and key.startswith("tokenizer."))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
        infos.append((name, dims, r.unpack("<I"), r.unpack("<Q")))
    align = kv.get("general.alignment", 32)
    base = (r.pos + align - 1) // align * align
    tensors = {}
    for name, dims, ttype, offset in infos:
        count = math.prod(dims)
        shape = list(reversed(dims))           # ggml ne[0] is the fastest dimension
        start = base + offset
        if ttype == GGML_F32:
            arr = np.frombuffer(data, dtype="<f4", count=count, offset=start).reshape(shape).copy()
        elif ttype == GGML_F16:
            arr = np.frombuffer(data, dtype="<f2", count=count, offset=start).reshape(shape).astype(np.float32)
        elif ttype == GGML_BF16:
            raw = np.frombuffer(data, dtype="<u2", count=count, offset=start).reshape(shape)
            arr = (raw.astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError("%s: tensor %s has ggml type %d; this reader reads F32, F16 and BF16"
                             % (path, name, ttype))
        tensors[name] = arr
    return kv, tensors, data
