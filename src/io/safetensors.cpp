#include "io/safetensors.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "sinkstream/error.hpp"

namespace sinkstream::io::safetensors {

namespace {

using json = nlohmann::json;

constexpr int kMaxJsonDepth = 8;   // the schema needs 3 levels; deeper input is hostile
constexpr size_t kMaxDims = 16;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw Error(ErrorKind::kFormat, file + ": safetensors: " + what);
}

// Parses JSON text [p, p+n) with a nesting limit (no unbounded recursion or allocation
// from deeply nested input). Throws kFormat naming `file`.
json parse_json(const char* p, size_t n, const std::string& file) {
  const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) fail(file, "JSON nested deeper than " + std::to_string(kMaxJsonDepth));
    return true;
  };
  json j = json::parse(p, p + n, limit_depth, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(file, "header is not valid JSON");
  return j;
}

// Element size of a safetensors dtype string; 0 for unknown strings.
size_t dtype_size(const std::string& s, bool* supported, core::DType* type) {
  *supported = false;
  if (s == "F32") return *supported = true, *type = core::DType::kF32, 4;
  if (s == "F16") return *supported = true, *type = core::DType::kF16, 2;
  if (s == "BF16") return *supported = true, *type = core::DType::kBF16, 2;
  if (s == "F64" || s == "I64" || s == "U64") return 8;
  if (s == "I32" || s == "U32") return 4;
  if (s == "I16" || s == "U16") return 2;
  if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2") return 1;
  return 0;
}

// A non-negative JSON integer as uint64; false otherwise.
bool as_u64(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

std::string quote_name(const std::string& s) {
  std::string r;
  r.reserve(206);
  r.push_back('\'');
  r.append(s, 0, 200);
  if (s.size() > 200) r.append("...");
  r.push_back('\'');
  return r;
}

}  // namespace

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::shared_ptr<const Archive> Archive::parse(const void* data, size_t size, const std::string& name) {
  auto a = std::make_shared<Archive>(Key{});
  const auto* p = static_cast<const uint8_t*>(data);
  a->owned_.assign(p, p + size);
  a->add_file(a->owned_.data(), a->owned_.size(), name);
  a->finish();
  return a;
}

void Archive::add_file(const uint8_t* base, size_t size, const std::string& name) {
  files_.push_back(name);
  if (size < 8) fail(name, "file of " + std::to_string(size) + " bytes is too short for the header length");
  uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= static_cast<uint64_t>(base[k]) << (8 * k);
  if (n > size - 8) fail(name, "header length " + std::to_string(n) + " runs past the end of the file");
  if (n > kMaxHeaderBytes) fail(name, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  const json header = parse_json(reinterpret_cast<const char*>(base + 8), static_cast<size_t>(n), name);
  if (!header.is_object()) fail(name, "header is not a JSON object");
  const uint8_t* data = base + 8 + n;
  const size_t data_size = size - 8 - static_cast<size_t>(n);

  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (const auto& [key, v] : header.items()) {
    if (key == "__metadata__") {
      if (!v.is_object()) fail(name, "__metadata__ is not an object");
      for (const auto& [mk, mv] : v.items()) {
        if (!mv.is_string()) fail(name, "__metadata__ value " + quote_name(mk) + " is not a string");
        metadata_.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    const std::string ctx = "tensor " + quote_name(key) + ": ";
    if (key.empty()) fail(name, "empty tensor name");
    if (!v.is_object()) fail(name, ctx + "entry is not an object");
    const auto dt = v.find("dtype");
    const auto sh = v.find("shape");
    const auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) fail(name, ctx + "missing or non-string dtype");
    if (sh == v.end() || !sh->is_array()) fail(name, ctx + "missing or non-array shape");
    if (off == v.end() || !off->is_array() || off->size() != 2) fail(name, ctx + "data_offsets must be [begin, end]");
    bool supported = false;
    core::DType type = core::DType::kF32;
    const std::string dtype = dt->get<std::string>();
    const size_t esize = dtype_size(dtype, &supported, &type);
    if (esize == 0) fail(name, ctx + "unknown dtype " + quote_name(dtype));
    if (sh->size() > kMaxDims) fail(name, ctx + "more than " + std::to_string(kMaxDims) + " dims");
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const json& d : *sh) {
      uint64_t dim = 0;
      if (!as_u64(d, &dim) || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(name, ctx + "shape entries must be non-negative integers");
      }
      if (dim != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / dim) {
        fail(name, ctx + "element count overflows");
      }
      numel *= dim;
      shape.push_back(static_cast<int64_t>(dim));
    }
    uint64_t begin = 0, end = 0;
    if (!as_u64((*off)[0], &begin) || !as_u64((*off)[1], &end)) {
      fail(name, ctx + "data_offsets must be non-negative integers");
    }
    if (begin > end || end > data_size) {
      fail(name, ctx + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") outside the data region of " + std::to_string(data_size) + " bytes");
    }
    if (numel > std::numeric_limits<uint64_t>::max() / esize || end - begin != numel * esize) {
      fail(name, ctx + "data_offsets span " + std::to_string(end - begin) + " bytes but " + std::to_string(numel) +
                     " x " + dtype + " needs " + std::to_string(numel * esize));
    }
    if (index_.count(key) != 0 || unsupported_.count(key) != 0) fail(name, ctx + "duplicate tensor name");
    spans.push_back({begin, end, key});
    if (!supported) {
      unsupported_.emplace(key, name + ": safetensors: " + ctx + "dtype " + dtype +
                                    " is not supported (F32, F16 and BF16 are)");
      index_.emplace(key, std::numeric_limits<size_t>::max());  // reserved for duplicate detection
      if (dtype == "U8") {  // raw bytes, read only through find_u8 (MXFP4 blocks and scales)
        Tensor t;
        t.name = key;
        t.shape = std::move(shape);
        t.data = data + begin;
        t.bytes = static_cast<size_t>(end - begin);
        t.file = name;
        u8_.emplace(key, std::move(t));
      }
      continue;
    }
    // Readers use the data in place as float / half arrays, so it must be aligned for its
    // element type (HF writers pad the header to a multiple of 8, which guarantees it).
    if ((8 + n + begin) % esize != 0) {
      fail(name, ctx + "data at file offset " + std::to_string(8 + n + begin) + " is not " + std::to_string(esize) +
                     "-byte aligned (header not padded); re-save the file");
    }
    Tensor t;
    t.name = key;
    t.type = type;
    t.shape = std::move(shape);
    t.data = data + begin;
    t.bytes = static_cast<size_t>(end - begin);
    t.file = name;
    index_.emplace(key, tensors_.size());
    tensors_.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  const Span* prev = nullptr;
  for (const Span& s : spans) {
    if (s.begin == s.end) continue;  // empty tensors take no bytes
    if (prev != nullptr && prev->end > s.begin) {
      fail(name, "tensor " + quote_name(s.name) + ": data overlaps tensor " + quote_name(prev->name));
    }
    prev = &s;
  }
}

void Archive::finish() {
  std::sort(tensors_.begin(), tensors_.end(), [](const Tensor& a, const Tensor& b) { return a.name < b.name; });
  index_.clear();
  for (size_t k = 0; k < tensors_.size(); ++k) index_.emplace(tensors_[k].name, k);
}

const Tensor* Archive::find_u8(std::string_view name) const {
  const auto it = u8_.find(name);
  return it == u8_.end() ? nullptr : &it->second;
}

const Tensor* Archive::find(std::string_view name) const {
  const auto it = index_.find(std::string(name));
  if (it != index_.end()) return &tensors_[it->second];
  const auto u = unsupported_.find(std::string(name));
  if (u != unsupported_.end()) throw Error(ErrorKind::kUnsupported, u->second);
  return nullptr;
}

std::shared_ptr<const Archive> Archive::open(const std::string& path) {
  namespace fs = std::filesystem;
  auto a = std::make_shared<Archive>(Key{});
  auto add_mapped = [&](const std::string& file) {
    auto map = std::make_shared<const MappedFile>(file);
    a->add_file(map->data(), map->size(), file);
    a->maps_.push_back(std::move(map));
  };
  std::string index_path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (fs::exists(dir / "model.safetensors.index.json", ec)) {
      index_path = (dir / "model.safetensors.index.json").string();
    } else if (fs::exists(dir / "model.safetensors", ec)) {
      add_mapped((dir / "model.safetensors").string());
    } else {
      throw Error(ErrorKind::kIo, path + ": no model.safetensors.index.json or model.safetensors in this folder");
    }
  } else if (path.size() >= 11 && path.compare(path.size() - 11, 11, ".index.json") == 0) {
    index_path = path;
  } else {
    add_mapped(path);
  }

  if (!index_path.empty()) {
    const MappedFile idx(index_path);
    if (idx.size() > kMaxHeaderBytes) fail(index_path, "index file exceeds the 100 MB limit");
    const json j = parse_json(reinterpret_cast<const char*>(idx.data()), idx.size(), index_path);
    if (!j.is_object()) fail(index_path, "index is not a JSON object");
    const auto wm = j.find("weight_map");
    if (wm == j.end() || !wm->is_object()) fail(index_path, "missing weight_map object");
    std::vector<std::string> shards;  // in first-use order
    for (const auto& [tensor, shard] : wm->items()) {
      if (!shard.is_string()) fail(index_path, "weight_map entry " + quote_name(tensor) + " is not a string");
      const std::string s = shard.get<std::string>();
      if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos ||
          s.find('\\') != std::string::npos) {
        fail(index_path, "weight_map entry " + quote_name(tensor) + " names " + quote_name(s) + ", not a plain file name");
      }
      if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
    }
    const fs::path dir = fs::path(index_path).parent_path();
    for (const std::string& s : shards) add_mapped((dir / s).string());
    for (const auto& [tensor, shard] : wm->items()) {
      const std::string expect = (dir / shard.get<std::string>()).string();
      const auto it = a->index_.find(tensor);
      if (it == a->index_.end()) fail(index_path, "tensor " + quote_name(tensor) + " is missing from " + quote_name(expect));
      if (it->second != std::numeric_limits<size_t>::max() && a->tensors_[it->second].file != expect) {
        fail(index_path, "tensor " + quote_name(tensor) + " is in " + quote_name(a->tensors_[it->second].file) +
                             ", not in " + quote_name(expect));
      }
    }
    if (const auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
      for (const auto& [k, v] : meta->items()) a->metadata_.emplace(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  a->finish();
  return a;
}

}  // namespace sinkstream::io::safetensors
