"""Minimal GGUF v3 writer and reader (standard library only).

Layout written (all little-endian):
  "GGUF" u32 version=3, u64 n_tensors, u64 n_kv
  n_kv x   [string key][u32 value type][value]          (arrays: u32 elem type, u64 count, elems)
  n_tensors x [string name][u32 n_dims][u64 ne[n_dims]][u32 ggml type][u64 offset]
  zero padding to `alignment` (general.alignment, default 32)
  tensor data; each tensor starts at a multiple of `alignment` from the data start
Strings are u64 length + UTF-8 bytes (no terminator).  ne[0] is the fastest-varying
dimension, so a PyTorch weight of shape (out, in) is stored with ne = [in, out].
"""

import struct

MAGIC = b"GGUF"
VERSION = 3
DEFAULT_ALIGNMENT = 32

# metadata value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
_SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
           FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}

# ggml tensor types used here (q8_0: blocks of 32 values = f16 scale + 32 int8)
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
GGML_TYPE_SIZE = {GGML_F32: 4, GGML_F16: 2}
Q8_0_BLOCK, Q8_0_BYTES = 32, 34


def tensor_bytes(ggml_type, n):
    if ggml_type == GGML_Q8_0:
        if n % Q8_0_BLOCK:
            raise ValueError("q8_0 needs a multiple of %d values, got %d" % (Q8_0_BLOCK, n))
        return n // Q8_0_BLOCK * Q8_0_BYTES
    return n * GGML_TYPE_SIZE[ggml_type]


def quantize_q8_0(a):
    """float array (rows of a multiple of 32) -> q8_0 bytes, as ggml's reference quantizer:
    d = max|x| / 127 (stored f16), q = round(x / d)."""
    import numpy as np
    x = np.asarray(a, dtype=np.float32).reshape(-1, Q8_0_BLOCK)
    d = np.abs(x).max(axis=1) / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0)
    q = np.clip(np.rint(x * inv[:, None]), -127, 127).astype(np.int8)
    blocks = np.zeros(x.shape[0], dtype=[("d", "<f2"), ("q", "i1", (Q8_0_BLOCK,))])
    blocks["d"] = d.astype("<f2")
    blocks["q"] = q
    return blocks.tobytes()


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


class GGUFWriter:
    def __init__(self, alignment=DEFAULT_ALIGNMENT):
        self.alignment = alignment
        self.kv = []          # (key, type, value, elem_type)
        self.tensors = []     # (name, ne list, ggml type, bytes)
        if alignment != DEFAULT_ALIGNMENT:
            self.add("general.alignment", UINT32, alignment)

    def add(self, key, vtype, value, elem_type=None):
        if any(k == key for k, *_ in self.kv):
            raise ValueError("duplicate GGUF key: " + key)
        if vtype == ARRAY and elem_type is None:
            raise ValueError("array key %s needs elem_type" % key)
        self.kv.append((key, vtype, value, elem_type))

    # convenience
    def add_string(self, k, v): self.add(k, STRING, v)
    def add_u32(self, k, v): self.add(k, UINT32, int(v))
    def add_i32(self, k, v): self.add(k, INT32, int(v))
    def add_f32(self, k, v): self.add(k, FLOAT32, float(v))
    def add_bool(self, k, v): self.add(k, BOOL, bool(v))
    def add_array(self, k, elem_type, values): self.add(k, ARRAY, list(values), elem_type)

    def add_tensor(self, name, ne, ggml_type, data):
        """ne: dims, fastest-varying first; data: raw little-endian bytes."""
        n = 1
        for d in ne:
            n *= int(d)
        if len(data) != tensor_bytes(ggml_type, n):
            raise ValueError("tensor %s: %d bytes for ne=%s" % (name, len(data), ne))
        if any(t[0] == name for t in self.tensors):
            raise ValueError("duplicate tensor " + name)
        self.tensors.append((name, [int(d) for d in ne], ggml_type, bytes(data)))

    def _value(self, vtype, value, elem_type):
        if vtype == STRING:
            return _str(value)
        if vtype == ARRAY:
            out = [struct.pack("<IQ", elem_type, len(value))]
            if elem_type == STRING:
                out.extend(_str(v) for v in value)
            elif elem_type == ARRAY:
                raise ValueError("nested arrays are not supported")
            else:
                out.append(struct.pack("<%d%s" % (len(value), _SCALAR[elem_type][1]), *value))
            return b"".join(out)
        return struct.pack(_SCALAR[vtype], value)

    def to_bytes(self):
        head = [MAGIC, struct.pack("<IQQ", VERSION, len(self.tensors), len(self.kv))]
        for key, vtype, value, et in self.kv:
            head.append(_str(key) + struct.pack("<I", vtype) + self._value(vtype, value, et))
        offsets, off = [], 0
        for name, ne, gt, data in self.tensors:
            off = (off + self.alignment - 1) // self.alignment * self.alignment
            offsets.append(off)
            off += len(data)
        for (name, ne, gt, data), o in zip(self.tensors, offsets):
            head.append(_str(name) + struct.pack("<I", len(ne)) +
                        struct.pack("<%dQ" % len(ne), *ne) + struct.pack("<IQ", gt, o))
        h = b"".join(head)
        h += b"\0" * ((-len(h)) % self.alignment)
        body = bytearray()
        for (name, ne, gt, data), o in zip(self.tensors, offsets):
            body += b"\0" * (o - len(body))
            body += data
        return h + bytes(body)

    def write(self, path):
        b = self.to_bytes()
        with open(path, "wb") as f:
            f.write(b)
        return len(b)


class GGUFFile:
    """Reader: .kv {key: value}, .kv_types {key: (type, elem_type)},
    .tensors {name: (ne, ggml_type, bytes)}."""

    def __init__(self, path_or_bytes):
        if isinstance(path_or_bytes, (bytes, bytearray)):
            buf = bytes(path_or_bytes)
        else:
            with open(path_or_bytes, "rb") as f:
                buf = f.read()
        self.buf = buf
        self.pos = 0
        if buf[:4] != MAGIC:
            raise ValueError("not a GGUF file (bad magic)")
        self.pos = 4
        self.version, n_t, n_kv = self._u("<IQQ")
        if self.version not in (2, 3):
            raise ValueError("unsupported GGUF version %d" % self.version)
        self.kv, self.kv_types = {}, {}
        for _ in range(n_kv):
            key = self._s()
            vt, = self._u("<I")
            if vt == ARRAY:
                et, n = self._u("<IQ")
                if et == STRING:
                    val = [self._s() for _ in range(n)]
                else:
                    fmt = _SCALAR[et]
                    val = list(self._u("<%d%s" % (n, fmt[1])))
                self.kv_types[key] = (vt, et)
            else:
                val = self._s() if vt == STRING else self._u(_SCALAR[vt])[0]
                self.kv_types[key] = (vt, None)
            self.kv[key] = val
        align = self.kv.get("general.alignment", DEFAULT_ALIGNMENT)
        infos = []
        for _ in range(n_t):
            name = self._s()
            nd, = self._u("<I")
            ne = list(self._u("<%dQ" % nd))
            gt, off = self._u("<IQ")
            infos.append((name, ne, gt, off))
        data0 = (self.pos + align - 1) // align * align
        self.tensors = {}
        for name, ne, gt, off in infos:
            n = 1
            for d in ne:
                n *= d
            nb = tensor_bytes(gt, n)
            self.tensors[name] = (ne, gt, buf[data0 + off: data0 + off + nb])

    def _u(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def _s(self):
        n, = self._u("<Q")
        s = self.buf[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s
