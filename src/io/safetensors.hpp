// Safetensors reader (single files and sharded folders) over read-only memory maps.
//
// File layout: u64 LE header length N, N bytes of JSON header, then the data region.
// Header: { "__metadata__": {str: str}, "<tensor>": {"dtype": "F32", "shape": [rows, cols],
// "data_offsets": [begin, end]}, ... } with offsets relative to the data region.
// Sharded models: a folder with model.safetensors.index.json
// ({"metadata": {...}, "weight_map": {"<tensor>": "<shard file>"}}).
//
// Validation: N bounded by the file size and kMaxHeaderBytes, JSON well formed,
// offsets inside the data region, end - begin == numel * element size, no two
// tensors overlapping, no duplicate names across shards, shard names plain file
// names in the index's folder. Tensors of dtypes other than F32/F16/BF16 are
// validated but not exposed: find() throws kUnsupported naming the tensor and dtype.
// Supported tensors must start at a file offset aligned to their element size (true
// for files whose header is padded to 8 bytes, as every HF writer does).
// Errors are sinkstream::Error (kFormat / kIo / kUnsupported) naming the file and tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dtype.hpp"
#include "io/mapped_file.hpp"

namespace sinkstream::io::safetensors {

inline constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // 100 MB

struct Tensor {
  std::string name;
  core::DType type = core::DType::kF32;
  std::vector<int64_t> shape;  // as in the file: row-major, shape[0] = rows (outermost); [] = scalar
  const void* data = nullptr;  // inside the owning mapping; aligned to the element size
  size_t bytes = 0;            // numel * element size
  std::string file;            // file holding the data (for error messages)

  int64_t numel() const;
};

class Archive {
  struct Key {};

 public:
  // `path`: a .safetensors file, a *.index.json file, or a folder holding
  // model.safetensors.index.json or model.safetensors.
  static std::shared_ptr<const Archive> open(const std::string& path);
  // Parses a copy of one in-memory .safetensors image (the fuzzer's entry point).
  static std::shared_ptr<const Archive> parse(const void* data, size_t size, const std::string& name = "<memory>");

  explicit Archive(Key) {}

  const std::vector<Tensor>& tensors() const { return tensors_; }  // supported dtypes, sorted by name
  // nullptr if absent; throws kUnsupported if the tensor exists with an unsupported dtype.
  const Tensor* find(std::string_view name) const;
  // A U8 tensor (raw bytes: OpenAI's MXFP4 `_blocks` / `_scales`), or nullptr. find() refuses
  // these like every dtype the float readers cannot use; `type` of the result is meaningless.
  const Tensor* find_u8(std::string_view name) const;
  // __metadata__ of every file (and the index's "metadata", non-strings as JSON text).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::vector<std::string>& files() const { return files_; }

 private:
  void add_file(const uint8_t* base, size_t size, const std::string& name);
  void finish();

  std::vector<std::shared_ptr<const MappedFile>> maps_;  // keep the data alive
  std::vector<uint8_t> owned_;                            // image copied by parse()
  std::vector<std::string> files_;
  std::vector<Tensor> tensors_;
  std::unordered_map<std::string, size_t> index_;         // name -> tensors_ index
  std::map<std::string, std::string> unsupported_;        // name -> message
  std::map<std::string, Tensor, std::less<>> u8_;         // U8 tensors by name (also in unsupported_)
  std::map<std::string, std::string> metadata_;
};

}  // namespace sinkstream::io::safetensors
