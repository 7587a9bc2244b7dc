// GGUF metadata getters: decode values lazily from the parsed image (see gguf.hpp).
#include <bit>
#include <limits>

#include "io/byte_cursor.hpp"
#include "io/gguf.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::io::gguf {

namespace {

// Reads one value of type `t` at the cursor. Values were bounds-checked while parsing,
// but the cursor checks again so a getter can never read outside the image.
Value read_value(ByteCursor& c, ValueType t) {
  switch (t) {
    case ValueType::kU8: return Value::u8(c.u8("u8"));
    case ValueType::kI8: return Value::i8(static_cast<int8_t>(c.u8("i8")));
    case ValueType::kU16: return Value::u16(c.u16("u16"));
    case ValueType::kI16: return Value::i16(static_cast<int16_t>(c.u16("i16")));
    case ValueType::kU32: return Value::u32(c.u32("u32"));
    case ValueType::kI32: return Value::i32(static_cast<int32_t>(c.u32("i32")));
    case ValueType::kU64: return Value::u64(c.u64("u64"));
    case ValueType::kI64: return Value::i64(static_cast<int64_t>(c.u64("i64")));
    case ValueType::kF32: return Value::f32(std::bit_cast<float>(c.u32("f32")));
    case ValueType::kF64: return Value::f64(std::bit_cast<double>(c.u64("f64")));
    case ValueType::kBool: return Value::boolean(c.u8("bool") != 0);
    case ValueType::kString: {
      const uint64_t len = c.u64("string length");
      if (len > c.remaining()) throw Error(ErrorKind::kFormat, "string length exceeds the file");
      const auto* p = c.take(static_cast<size_t>(len), "string");
      return Value::string(std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(len)));
    }
    case ValueType::kArray: {
      const uint32_t id = c.u32("array type");
      ValueType elem{};
      if (!value_type_from_id(id, &elem)) throw Error(ErrorKind::kFormat, "unknown array element type");
      const uint64_t count = c.u64("array count");
      // Parsing proved every element fits, so count <= remaining bytes.
      if (count > c.remaining()) throw Error(ErrorKind::kFormat, "array count exceeds the file");
      std::vector<Value> items;
      items.reserve(static_cast<size_t>(count));
      for (uint64_t k = 0; k < count; ++k) items.push_back(read_value(c, elem));
      return Value::array(elem, std::move(items));
    }
  }
  throw Error(ErrorKind::kFormat, "unknown value type");
}

// Integer value as int64; false when it does not fit.
bool as_int64(const Value& v, int64_t* out) {
  switch (v.type) {
    case ValueType::kU8: case ValueType::kU16: case ValueType::kU32: case ValueType::kU64:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
      *out = static_cast<int64_t>(v.u);
      return true;
    case ValueType::kI8: case ValueType::kI16: case ValueType::kI32: case ValueType::kI64:
      *out = v.i;
      return true;
    default:
      return false;
  }
}

}  // namespace

const File::Entry* File::find(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const File::Entry& File::entry(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) fail("key '" + std::string(key) + "'", "missing");
  return *e;
}

bool File::has(std::string_view key) const { return find(key) != nullptr; }

ValueType File::type_of(std::string_view key) const { return entry(key).type; }

std::vector<std::string> File::keys() const {
  std::vector<std::string> r;
  r.reserve(entries_.size());
  for (const Entry& e : entries_) r.push_back(e.key);
  return r;
}

Value File::get(std::string_view key) const {
  const Entry& e = entry(key);
  ByteCursor c(base_, size_, path_);
  c.seek(e.pos);
  return read_value(c, e.type);
}

std::string File::get_string(std::string_view key) const {
  const Entry& e = entry(key);
  if (e.type != ValueType::kString) {
    fail("key '" + std::string(key) + "'", std::string("expected string, found ") + value_type_name(e.type));
  }
  return get(key).s;
}

std::string File::get_string(std::string_view key, std::string_view fallback) const {
  return has(key) ? get_string(key) : std::string(fallback);
}

int64_t File::get_int(std::string_view key) const {
  const Entry& e = entry(key);
  if (!value_type_is_int(e.type)) {
    fail("key '" + std::string(key) + "'", std::string("expected an integer, found ") + value_type_name(e.type));
  }
  int64_t r = 0;
  if (!as_int64(get(key), &r)) fail("key '" + std::string(key) + "'", "value does not fit in int64");
  return r;
}

int64_t File::get_int(std::string_view key, int64_t fallback) const { return has(key) ? get_int(key) : fallback; }

double File::get_float(std::string_view key) const {
  const Entry& e = entry(key);
  if (e.type == ValueType::kF32 || e.type == ValueType::kF64) return get(key).f;
  if (value_type_is_int(e.type)) {
    const Value v = get(key);
    return v.type == ValueType::kU8 || v.type == ValueType::kU16 || v.type == ValueType::kU32 ||
                   v.type == ValueType::kU64
               ? static_cast<double>(v.u)
               : static_cast<double>(v.i);
  }
  fail("key '" + std::string(key) + "'", std::string("expected a number, found ") + value_type_name(e.type));
}

double File::get_float(std::string_view key, double fallback) const { return has(key) ? get_float(key) : fallback; }

bool File::get_bool(std::string_view key) const {
  const Entry& e = entry(key);
  if (e.type != ValueType::kBool) {
    fail("key '" + std::string(key) + "'", std::string("expected bool, found ") + value_type_name(e.type));
  }
  return get(key).u != 0;
}

bool File::get_bool(std::string_view key, bool fallback) const { return has(key) ? get_bool(key) : fallback; }

ByteCursor File::array_cursor(std::string_view key, ValueType* elem, uint64_t* count) const {
  const Entry& e = entry(key);
  if (e.type != ValueType::kArray) {
    fail("key '" + std::string(key) + "'", std::string("expected an array, found ") + value_type_name(e.type));
  }
  ByteCursor c(base_, size_, path_);
  c.seek(e.pos);
  if (!value_type_from_id(c.u32("array type"), elem)) fail("key '" + std::string(key) + "'", "bad array type");
  *count = c.u64("array count");
  if (*count > c.remaining()) fail("key '" + std::string(key) + "'", "array count exceeds the file");
  return c;
}

size_t File::array_size(std::string_view key) const {
  ValueType elem{};
  uint64_t count = 0;
  array_cursor(key, &elem, &count);
  return static_cast<size_t>(count);
}

ValueType File::array_type(std::string_view key) const {
  ValueType elem{};
  uint64_t count = 0;
  array_cursor(key, &elem, &count);
  return elem;
}

std::vector<std::string> File::get_string_array(std::string_view key) const {
  ValueType elem{};
  uint64_t count = 0;
  ByteCursor c = array_cursor(key, &elem, &count);
  if (elem != ValueType::kString) {
    fail("key '" + std::string(key) + "'",
         std::string("expected an array of strings, found an array of ") + value_type_name(elem));
  }
  std::vector<std::string> r;
  r.reserve(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t len = c.u64("string length");
    if (len > c.remaining()) fail("key '" + std::string(key) + "'", "string length exceeds the file");
    const auto* p = c.take(static_cast<size_t>(len), "string");
    r.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
  }
  return r;
}

std::vector<float> File::get_f32_array(std::string_view key) const {
  ValueType elem{};
  uint64_t count = 0;
  ByteCursor c = array_cursor(key, &elem, &count);
  if (elem != ValueType::kF32 && elem != ValueType::kF64) {
    fail("key '" + std::string(key) + "'",
         std::string("expected an array of floats, found an array of ") + value_type_name(elem));
  }
  std::vector<float> r;
  r.reserve(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) r.push_back(static_cast<float>(read_value(c, elem).f));
  return r;
}

std::vector<int32_t> File::get_i32_array(std::string_view key) const {
  ValueType elem{};
  uint64_t count = 0;
  ByteCursor c = array_cursor(key, &elem, &count);
  if (!value_type_is_int(elem)) {
    fail("key '" + std::string(key) + "'",
         std::string("expected an array of integers, found an array of ") + value_type_name(elem));
  }
  std::vector<int32_t> r;
  r.reserve(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) {
    int64_t x = 0;
    if (!as_int64(read_value(c, elem), &x) || x < std::numeric_limits<int32_t>::min() ||
        x > std::numeric_limits<int32_t>::max()) {
      fail("key '" + std::string(key) + "'", "element " + std::to_string(k) + " does not fit in int32");
    }
    r.push_back(static_cast<int32_t>(x));
  }
  return r;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace sinkstream::io::gguf
