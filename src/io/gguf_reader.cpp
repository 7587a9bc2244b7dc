// GGUF parsing: header, key/value walk and tensor-info validation (see gguf.hpp).
#include <algorithm>
#include <limits>

#include "io/byte_cursor.hpp"
#include "io/gguf.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::io::gguf {

namespace {

constexpr size_t kMinKvBytes = 8 + 4 + 1;              // empty key, type, 1-byte value
constexpr size_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, n_dims, 1 dim, type, offset
constexpr uint64_t kMaxKeyLength = 65535;               // spec limit on key length
constexpr uint64_t kMaxTensorNameLength = 256;
constexpr uint32_t kMaxDims = 4;
constexpr int kMaxArrayDepth = 8;                       // nested arrays; bounds the recursion
// The GGUF spec asks for a multiple of 8; with a page-aligned mapping that keeps every
// tensor's data aligned for its element type (f32 rows are read as floats).
constexpr uint64_t kMinAlignment = 8;
constexpr uint64_t kMaxAlignment = uint64_t{1} << 30;

std::string quoted(std::string_view s) {
  std::string r = "'";
  for (char ch : s.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(ch);
    r += (u >= 0x20 && u < 0x7f) ? ch : '?';
  }
  if (s.size() > 200) r += "...";
  return r + "'";
}

std::string_view read_string(ByteCursor& c, uint64_t max_len, const std::string& what) {
  const uint64_t len = c.u64(what + " length");
  if (len > c.remaining()) {
    throw Error(ErrorKind::kFormat, "string length " + std::to_string(len) + " of " + what + " exceeds the " +
                                        std::to_string(c.remaining()) + " bytes left");
  }
  if (len > max_len) {
    throw Error(ErrorKind::kFormat, what + " is " + std::to_string(len) + " bytes long (limit " +
                                        std::to_string(max_len) + ")");
  }
  const auto* p = c.take(static_cast<size_t>(len), what);
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
}

ValueType read_type(ByteCursor& c, const std::string& what) {
  const uint32_t id = c.u32(what);
  ValueType t{};
  if (!value_type_from_id(id, &t)) throw Error(ErrorKind::kFormat, "unknown value type id " + std::to_string(id));
  return t;
}

// Skips one encoded value of type `t`, checking every length against the bytes left.
void skip_value(ByteCursor& c, ValueType t, int depth, const std::string& what) {
  switch (t) {
    case ValueType::kString: {
      const uint64_t len = c.u64(what);
      if (len > c.remaining()) {
        throw Error(ErrorKind::kFormat, "string length " + std::to_string(len) + " exceeds the " +
                                            std::to_string(c.remaining()) + " bytes left");
      }
      c.skip(static_cast<size_t>(len), what);
      return;
    }
    case ValueType::kArray: {
      if (depth >= kMaxArrayDepth) {
        throw Error(ErrorKind::kFormat, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
      }
      const ValueType elem = read_type(c, what);
      const uint64_t count = c.u64(what);
      const size_t fixed = value_type_size(elem);
      const size_t min_elem = fixed != 0 ? fixed : (elem == ValueType::kString ? 8 : 12);
      if (count > c.remaining() / min_elem) {
        throw Error(ErrorKind::kFormat, "array of " + std::to_string(count) + " " + value_type_name(elem) +
                                            " cannot fit in the " + std::to_string(c.remaining()) + " bytes left");
      }
      if (fixed != 0) {
        c.skip(static_cast<size_t>(count) * fixed, what);
        return;
      }
      for (uint64_t k = 0; k < count; ++k) skip_value(c, elem, depth + 1, what);
      return;
    }
    default:
      c.skip(value_type_size(t), what);
      return;
  }
}

}  // namespace

int64_t TensorInfo::rows() const {
  int64_t r = 1;
  for (size_t k = 1; k < dims.size(); ++k) r *= dims[k];
  return r;
}

int64_t TensorInfo::numel() const { return dims.empty() ? 0 : cols() * rows(); }

std::shared_ptr<const File> File::open(const std::string& path) {
  auto map = std::make_shared<const MappedFile>(path);
  auto f = std::make_shared<File>(Key{}, std::move(map), std::vector<uint8_t>{}, path);
  f->parse_all();
  return f;
}

std::shared_ptr<const File> File::parse(const void* data, size_t size, const std::string& name) {
  const auto* p = static_cast<const uint8_t*>(data);
  std::vector<uint8_t> copy(p, p + size);
  auto f = std::make_shared<File>(Key{}, nullptr, std::move(copy), name);
  f->parse_all();
  return f;
}

File::File(Key, std::shared_ptr<const MappedFile> map, std::vector<uint8_t> owned, std::string path)
    : map_(std::move(map)), owned_(std::move(owned)), path_(std::move(path)) {
  if (map_) {
    base_ = map_->data();
    size_ = map_->size();
  } else {
    base_ = owned_.data();
    size_ = owned_.size();
  }
}

void File::fail(std::string_view key, const std::string& what) const {
  std::string msg = path_ + ": GGUF";
  if (!key.empty()) msg += " " + std::string(key);
  throw Error(ErrorKind::kFormat, msg + ": " + what);
}

void File::parse_all() {
  ByteCursor c(base_, size_, path_);
  auto wrap = [&](const std::string& ctx, auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kFormat) throw;
      const std::string m = e.what();
      // Cursor messages already start with the path.
      if (m.rfind(path_ + ":", 0) == 0) throw Error(ErrorKind::kFormat, m + " (" + ctx + ")");
      fail(ctx, m);
    }
  };

  // Header.
  uint64_t n_tensors = 0, n_kv = 0;
  wrap("header", [&] {
    const uint32_t magic = c.u32("magic");
    if (magic != kMagic) throw Error(ErrorKind::kFormat, "not a GGUF file (bad magic)");
    version_ = c.u32("version");
    if (version_ == 1) {
      throw Error(ErrorKind::kFormat, "GGUF version 1 is not supported (only v2 and v3); re-convert the model");
    }
    if (version_ == 0x02000000u || version_ == 0x03000000u) {
      throw Error(ErrorKind::kFormat, "big-endian GGUF files are not supported");
    }
    if (version_ != 2 && version_ != 3) {
      throw Error(ErrorKind::kFormat, "unsupported GGUF version " + std::to_string(version_) + " (only v2 and v3)");
    }
    n_tensors = c.u64("n_tensors");
    n_kv = c.u64("n_kv");
    if (n_kv > c.remaining() / kMinKvBytes) {
      throw Error(ErrorKind::kFormat, "n_kv = " + std::to_string(n_kv) + " cannot fit in the file");
    }
    if (n_tensors > c.remaining() / kMinTensorInfoBytes) {
      throw Error(ErrorKind::kFormat, "n_tensors = " + std::to_string(n_tensors) + " cannot fit in the file");
    }
  });

  // Key/value pairs: record where each value starts; decode lazily later.
  entries_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    Entry e;
    wrap("key #" + std::to_string(k), [&] { e.key = std::string(read_string(c, kMaxKeyLength, "key")); });
    wrap("key " + quoted(e.key), [&] {
      e.type = read_type(c, "value type");
      e.pos = c.pos();
      skip_value(c, e.type, 0, "value");
    });
    entries_.push_back(std::move(e));
  }
  index_.reserve(entries_.size());
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (!index_.emplace(entries_[k].key, k).second) fail("key " + quoted(entries_[k].key), "duplicate key");
  }

  if (const Entry* a = find("general.alignment")) {
    if (!value_type_is_int(a->type)) fail("key 'general.alignment'", "must be an integer");
    const int64_t v = get_int("general.alignment");
    if (v < static_cast<int64_t>(kMinAlignment) || static_cast<uint64_t>(v) > kMaxAlignment || (v & (v - 1)) != 0) {
      fail("key 'general.alignment'", "alignment " + std::to_string(v) + " is not a power of two in [8, 2^30]");
    }
    alignment_ = static_cast<uint64_t>(v);
  }

  // Tensor infos.
  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t t = 0; t < n_tensors; ++t) {
    TensorInfo ti;
    wrap("tensor #" + std::to_string(t), [&] {
      ti.name = std::string(read_string(c, kMaxTensorNameLength, "tensor name"));
      if (ti.name.empty()) throw Error(ErrorKind::kFormat, "empty tensor name");
    });
    wrap("tensor " + quoted(ti.name), [&] {
      const uint32_t n_dims = c.u32("n_dims");
      if (n_dims < 1 || n_dims > kMaxDims) {
        throw Error(ErrorKind::kFormat, "n_dims = " + std::to_string(n_dims) + " (must be 1.." +
                                            std::to_string(kMaxDims) + ")");
      }
      int64_t numel = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t v = c.u64("dim");
        if (v == 0 || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          throw Error(ErrorKind::kFormat, "dim " + std::to_string(d) + " = " + std::to_string(v) + " is invalid");
        }
        const auto sv = static_cast<int64_t>(v);
        if (numel > std::numeric_limits<int64_t>::max() / sv) {
          throw Error(ErrorKind::kFormat, "element count overflows");
        }
        numel *= sv;
        ti.dims.push_back(sv);
      }
      const uint32_t type_id = c.u32("type");
      if (!core::dtype_from_id(type_id, &ti.type)) {
        throw Error(ErrorKind::kFormat, "unknown or unsupported tensor type id " + std::to_string(type_id));
      }
      ti.offset = c.u64("offset");
      const core::DTypeTraits& tr = core::dtype_traits(ti.type);
      if (ti.dims[0] % tr.block_elems != 0) {
        throw Error(ErrorKind::kFormat, "row length " + std::to_string(ti.dims[0]) + " is not a multiple of the " +
                                            tr.name + " block size " + std::to_string(tr.block_elems));
      }
      const size_t row_bytes = core::dtype_row_bytes(ti.type, ti.dims[0]);
      const auto rows = static_cast<uint64_t>(ti.rows());
      if (row_bytes != 0 && rows > std::numeric_limits<size_t>::max() / row_bytes) {
        throw Error(ErrorKind::kFormat, "byte size overflows");
      }
      ti.bytes = row_bytes * static_cast<size_t>(rows);
      if (ti.offset % alignment_ != 0) {
        throw Error(ErrorKind::kFormat, "offset " + std::to_string(ti.offset) + " is not a multiple of the alignment " +
                                            std::to_string(alignment_));
      }
    });
    tensors_.push_back(std::move(ti));
  }

  // Data section: aligned start, every tensor inside the file, no overlaps.
  const size_t infos_end = c.pos();
  const size_t pad = (alignment_ - infos_end % alignment_) % alignment_;
  data_offset_ = infos_end + pad;  // cannot overflow: infos_end <= size_ and pad < 2^30
  for (TensorInfo& ti : tensors_) {
    const std::string ctx = "tensor " + quoted(ti.name);
    if (data_offset_ > size_) fail(ctx, "data section starts past the end of the file");
    const size_t avail = size_ - data_offset_;
    if (ti.offset > avail || ti.bytes > avail - ti.offset) {
      fail(ctx, "data [" + std::to_string(ti.offset) + ", +" + std::to_string(ti.bytes) +
                    ") runs past the end of the file (" + std::to_string(avail) + " data bytes)");
    }
    ti.data = base_ + data_offset_ + ti.offset;
  }
  tensor_index_.reserve(tensors_.size());
  for (size_t k = 0; k < tensors_.size(); ++k) {
    if (!tensor_index_.emplace(tensors_[k].name, k).second) fail("tensor " + quoted(tensors_[k].name), "duplicate name");
  }
  std::vector<size_t> order(tensors_.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const TensorInfo& prev = tensors_[order[k - 1]];
    const TensorInfo& cur = tensors_[order[k]];
    if (prev.offset + prev.bytes > cur.offset) {
      fail("tensor " + quoted(cur.name), "data overlaps tensor " + quoted(prev.name));
    }
  }
}

}  // namespace sinkstream::io::gguf
