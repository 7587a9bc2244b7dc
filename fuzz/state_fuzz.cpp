// libFuzzer target: saved session states (Session::state_policy + load_state).
// The input is the payload; the fuzzer writes the header with a valid CRC, so
// every field behind the checksum is reached (anyone can recompute a CRC).
// The model is a tiny random llama2.c checkpoint built at start-up. When the
// first corpus directory is empty, it is seeded with real states saved by
// Session::save_state for every cache policy and both KV types.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "memory_file.hpp"
#include "sinkstream/error.hpp"
#include "sinkstream/session.hpp"
#include "support/llama2c_builder.hpp"

namespace {

using namespace sinkstream;
namespace fs = std::filesystem;

constexpr size_t kHeaderBytes = 28;
constexpr int32_t kBatch = 8;
const char* const kPolicies[] = {"dense", "window:8", "sink:2:8", "recompute:8", "discard:2:6"};

std::shared_ptr<const Model> g_model;

std::string header_for(const uint8_t* payload, size_t n) {
  std::string h = "SINKSTAT";
  const uint32_t version = 1, reserved = 0;
  const uint64_t size = n;
  const auto crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), payload, static_cast<uInt>(n)));
  h.append(reinterpret_cast<const char*>(&version), 4);
  h.append(reinterpret_cast<const char*>(&reserved), 4);
  h.append(reinterpret_cast<const char*>(&size), 8);
  h.append(reinterpret_cast<const char*>(&crc), 4);
  return h;
}

SessionOptions options_for(const CachePolicy& p, bool f16) {
  SessionOptions o;
  o.cache = p;
  o.kv_f16 = f16;
  o.threads = 1;
  o.batch = kBatch;
  o.sampler.temperature = 0.8f;
  o.sampler.seed = 7;
  return o;
}

void write_seeds(const fs::path& corpus, const fs::path& scratch) {
  int n = 0;
  for (const char* policy : kPolicies) {
    for (const bool f16 : {false, true}) {
      Session s(g_model, options_for(CachePolicy::parse(policy), f16));
      for (int32_t t = 0; t < 20; ++t) s.eval(t % 16);
      const fs::path state = scratch / "seed.state";
      s.save_state(state.string());
      std::ifstream in(state, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream(corpus / ("seed_" + std::to_string(n++)), std::ios::binary).write(
          bytes.data() + kHeaderBytes, static_cast<std::streamsize>(bytes.size() - kHeaderBytes));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  char tmpl[] = "/tmp/state_fuzz.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) std::abort();
  const fs::path dir(tmpl);
  sinkstream::test::Llama2cDims d;
  d.vocab = 16;
  sinkstream::test::Llama2cBuilder(d, 1, 0.1f).save((dir / "tiny.bin").string());
  g_model = Model::load((dir / "tiny.bin").string());
  for (int i = 1; i < *argc; ++i) {
    const fs::path p((*argv)[i]);
    if ((*argv)[i][0] == '-' || !fs::is_directory(p)) continue;
    if (fs::is_empty(p)) write_seeds(p, dir);
    break;
  }
  fs::remove_all(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file = header_for(data, size);
  file.append(reinterpret_cast<const char*>(data), size);
  const fuzz::MemoryFile mem(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  CachePolicy policy;
  try {
    policy = Session::state_policy(mem.path());
  } catch (const Error&) {
    return 0;
  }
  for (const bool f16 : {false, true}) {
    try {
      Session s(g_model, options_for(policy, f16));
      s.load_state(mem.path());
      const int32_t t = s.sample();
      if (t < 0 || t >= g_model->config().n_vocab) __builtin_trap();
      s.eval(t);
    } catch (const Error&) {
    }
  }
  return 0;
}
