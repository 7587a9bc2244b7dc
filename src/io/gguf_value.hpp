// GGUF metadata value types and a decoded value tree shared by the reader
// (File::get) and the writer (Writer::set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkstream::io::gguf {

enum class ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6,
  kBool = 7, kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

// True for ids 0..12.
bool value_type_from_id(uint32_t id, ValueType* out);
const char* value_type_name(ValueType t);
// Encoded size of a fixed-size scalar; 0 for kString and kArray.
size_t value_type_size(ValueType t);
bool value_type_is_int(ValueType t);  // u8..i64 (not bool)

// One decoded metadata value. Exactly one payload field is meaningful, by type:
// unsigned ints and bool -> u; signed ints -> i; f32/f64 -> f; string -> s;
// array -> elem + items (every item has type == elem).
struct Value {
  ValueType type = ValueType::kU8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0.0;
  std::string s;
  ValueType elem = ValueType::kU8;
  std::vector<Value> items;

  bool operator==(const Value&) const = default;

  static Value u8(uint8_t v) { return uns(ValueType::kU8, v); }
  static Value u16(uint16_t v) { return uns(ValueType::kU16, v); }
  static Value u32(uint32_t v) { return uns(ValueType::kU32, v); }
  static Value u64(uint64_t v) { return uns(ValueType::kU64, v); }
  static Value i8(int8_t v) { return sig(ValueType::kI8, v); }
  static Value i16(int16_t v) { return sig(ValueType::kI16, v); }
  static Value i32(int32_t v) { return sig(ValueType::kI32, v); }
  static Value i64(int64_t v) { return sig(ValueType::kI64, v); }
  static Value f32(float v) { return real(ValueType::kF32, static_cast<double>(v)); }
  static Value f64(double v) { return real(ValueType::kF64, v); }
  static Value boolean(bool v) { return uns(ValueType::kBool, v ? 1 : 0); }
  static Value string(std::string v) {
    Value r;
    r.type = ValueType::kString;
    r.s = std::move(v);
    return r;
  }
  // Every item must have type `elem` (the writer checks).
  static Value array(ValueType elem, std::vector<Value> items) {
    Value r;
    r.type = ValueType::kArray;
    r.elem = elem;
    r.items = std::move(items);
    return r;
  }
  static Value string_array(const std::vector<std::string>& v);
  static Value f32_array(const std::vector<float>& v);
  static Value i32_array(const std::vector<int32_t>& v);

 private:
  static Value uns(ValueType t, uint64_t v) {
    Value r;
    r.type = t;
    r.u = v;
    return r;
  }
  static Value sig(ValueType t, int64_t v) {
    Value r;
    r.type = t;
    r.i = v;
    return r;
  }
  static Value real(ValueType t, double v) {
    Value r;
    r.type = t;
    r.f = v;
    return r;
  }
};

}  // namespace sinkstream::io::gguf
