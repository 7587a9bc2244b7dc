// Encode throughput of the GGUF tokenizers on ~1 MB of real English text
// (../shared/text/plrabn12.txt, repeated up to 1 MiB). Skips a vocab whose file is absent.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/gguf.hpp"
#include "tokenizer/gguf_tokenizer.hpp"

namespace {

const char* kShared = SINKSTREAM_BENCH_SHARED_DIR;

std::string one_mib_text() {
  std::ifstream f(std::string(kShared) + "/text/plrabn12.txt", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.empty()) s = "The quick brown fox jumps over the lazy dog. ";
  std::string out;
  while (out.size() < (1u << 20)) out += s;
  out.resize(1u << 20);
  return out;
}

void BM_Encode1MiB(benchmark::State& state, const char* name) {
  const std::string path = std::string(kShared) + "/vocab/ggml-vocab-" + name + ".gguf";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("vocab file absent");
    return;
  }
  const auto tok = sinkstream::tokenizer::make_gguf_tokenizer(*sinkstream::io::gguf::File::open(path));
  const std::string text = one_mib_text();
  size_t n = 0;
  for (auto _ : state) {
    const auto ids = tok->encode(text, false);
    n = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.counters["tokens"] = static_cast<double>(n);
}

BENCHMARK_CAPTURE(BM_Encode1MiB, llama_spm, "llama-spm")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MiB, gpt2, "gpt-2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MiB, falcon, "falcon")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MiB, deepseek_coder, "deepseek-coder")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode1MiB, bert_bge, "bert-bge")->Unit(benchmark::kMillisecond);

}  // namespace
