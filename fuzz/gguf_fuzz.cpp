// libFuzzer target: GGUF parsing from a byte buffer, every getter, tensor decoding,
// and a writer -> reader round trip of whatever parses. Built with -DSINKSTREAM_FUZZ=ON
// (clang); run through `make fuzz`.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/row_dot.hpp"
#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "sinkstream/error.hpp"

namespace {

using namespace sinkstream;

void exercise_getters(const io::gguf::File& f) {
  for (const std::string& k : f.keys()) {
    (void)f.type_of(k);
    (void)f.get(k);
    try { (void)f.get_int(k); } catch (const Error&) {}
    try { (void)f.get_float(k); } catch (const Error&) {}
    try { (void)f.get_string(k); } catch (const Error&) {}
    try { (void)f.get_bool(k, false); } catch (const Error&) {}
    try { (void)f.array_size(k); } catch (const Error&) {}
    try { (void)f.get_string_array(k); } catch (const Error&) {}
    try { (void)f.get_f32_array(k); } catch (const Error&) {}
    try { (void)f.get_i32_array(k); } catch (const Error&) {}
  }
}

void decode_tensors(const io::gguf::File& f) {
  for (const io::gguf::TensorInfo& t : f.tensors()) {
    // Every shape: the parser proved a row fits in the file, so cols is bounded by its size.
    std::vector<float> row(static_cast<size_t>(t.cols()));  // [cols] first row, dequantized
    core::row_dequantize_ref(t.type, t.data, row.data(), t.cols());
    (void)core::row_dot_ref(t.type, t.data, row.data(), t.cols());
  }
}

void round_trip(const io::gguf::File& f) {
  if (f.alignment() > 4096) return;
  io::gguf::Writer w(f.alignment());
  for (const std::string& k : f.keys()) {
    if (k != "general.alignment") w.set(k, f.get(k));
  }
  for (const io::gguf::TensorInfo& t : f.tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.data);
    w.add_tensor(t.name, t.type, t.dims, std::vector<uint8_t>(p, p + t.bytes));
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  const auto g = io::gguf::File::parse(bytes.data(), bytes.size(), "rewritten");
  if (g->keys().size() != f.keys().size() || g->tensors().size() != f.tensors().size()) __builtin_trap();
  for (const std::string& k : f.keys()) {
    if (k != "general.alignment" && !(g->get(k) == f.get(k))) {
      // NaN floats compare unequal; anything else is a writer/reader disagreement.
      const io::gguf::Value v = f.get(k);
      if (v.type != io::gguf::ValueType::kF32 && v.type != io::gguf::ValueType::kF64 && v.type != io::gguf::ValueType::kArray) {
        __builtin_trap();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::shared_ptr<const io::gguf::File> f;
  try {
    f = io::gguf::File::parse(data, size, "fuzz.gguf");
  } catch (const Error&) {
    return 0;
  }
  exercise_getters(*f);
  decode_tensors(*f);
  round_trip(*f);
  return 0;
}
