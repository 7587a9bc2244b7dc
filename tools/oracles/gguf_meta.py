"""Minimal GGUF metadata reader (header and key/value section only; tensors are
not read). Written from the GGUF v2/v3 format description; used by
hf_tokenizer_oracle.py to hand a vocab file's tokenizer fields to transformers'
GGUF tokenizer converter, which otherwise needs the `gguf` package."""
import struct

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def string(self) -> str:
        n = self.take("<Q")
        s = self.data[self.pos:self.pos + n]
        if len(s) != n:
            raise ValueError(f"string of {n} bytes runs past the end at offset {self.pos}")
        self.pos += n
        return s.decode("utf-8")

    def value(self, vtype: int):
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype, count = self.take("<I"), self.take("<Q")
            return [self.value(etype) for _ in range(count)]
        raise ValueError(f"unknown GGUF value type {vtype} at offset {self.pos}")


def read_metadata(path: str) -> dict:
    """{key: value} of a GGUF file's metadata (arrays as Python lists)."""
    with open(path, "rb") as f:
        c = _Cursor(f.read())
    if c.data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    c.pos = 4
    version = c.take("<I")
    if version not in (2, 3):
        raise ValueError(f"{path}: GGUF version {version}, expected 2 or 3")
    c.take("<Q")  # tensor count
    n_kv = c.take("<Q")
    meta = {}
    for _ in range(n_kv):
        key = c.string()
        meta[key] = c.value(c.take("<I"))
    return meta
