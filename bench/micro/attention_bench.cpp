// Decode attention of one query over a sink cache (TinyLlama heads: 32 query
// heads, 4 kv heads, head_dim 64), reference vs flash-decoding on each target,
// f32 and f16 KV, at 512, 1024 and 4096 keys, with 2 pool threads (and 1 at
// 4096 f16). BM_AttentionMHA: 32 heads over 32 kv heads (G = 1), f16, 4096 keys.
// BM_AttentionDram: TinyLlama heads, f16, 4096 keys, 22 layers in turn;
// BM_AttentionDramG4: Llama-3.2-1B heads (32 over 8, G = 4), 16 layers.
//   build/release/sinkstream_bench --benchmark_filter=Attention
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "backend/cpu/attention.hpp"
#include "backend/cpu/kernels.hpp"
#include "cache/kv_cache.hpp"
#include "cache/sink_policy.hpp"

namespace {

// args: keys, f16, target index (into available_kernels(); the last is the
// reference), pool threads. n_layer > 1: each call attends over the next layer
// (22 layers of f16 K/V at 4096 keys = 92 MB, more than the L3: the K/V stream
// comes from DRAM as in a decode step).
void run_attention(benchmark::State& st, int32_t n_kv, int32_t n_layer = 1) {
  const int32_t keys = static_cast<int32_t>(st.range(0));
  const bool f16 = st.range(1) != 0;
  const auto kernels = sinkstream::backend::cpu::available_kernels();
  const sinkstream::backend::cpu::Kernels& k = *kernels[static_cast<size_t>(st.range(2))];
  const int threads = static_cast<int>(st.range(3));
  const int32_t n_head = 32, hd = 64;
  sinkstream::cache::KvCache cache(std::make_unique<sinkstream::cache::SinkPolicy>(4, keys - 4, 1), n_layer, n_kv * hd, f16);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> kv(static_cast<size_t>(n_kv * hd));
  for (int32_t p = 0; p < keys; ++p) {
    for (auto& x : kv) x = u(rng);
    const sinkstream::backend::KvPlacement pl = cache.append(p);
    for (int32_t l = 0; l < n_layer; ++l) cache.write(l, pl, kv.data(), kv.data(), {});
  }
  std::vector<sinkstream::backend::KvSpan> spans;
  cache.spans(keys - 1, &spans);
  std::vector<float> q(static_cast<size_t>(n_head * hd) * spans.size());
  for (auto& x : q) x = u(rng);
  std::vector<const float*> qp;
  for (size_t s = 0; s < spans.size(); ++s) qp.push_back(q.data() + s * static_cast<size_t>(n_head * hd));
  std::vector<sinkstream::backend::QueryView> views = {{spans.data(), static_cast<int32_t>(spans.size()), qp.data()}};
  sinkstream::backend::AttentionArgs a;
  a.n_head = n_head;
  a.n_head_kv = n_kv;
  a.head_dim = hd;
  a.scale = 0.125f;
  a.kv = cache.view();
  sinkstream::core::ThreadPool pool(threads);
  std::vector<float> out(static_cast<size_t>(n_head * hd));
  for (auto _ : st) {
    a.layer = (a.layer + 1) % n_layer;
    if (k.is_ref()) sinkstream::backend::cpu::attention_ref(a, views, out.data(), pool);
    else sinkstream::backend::cpu::attention_flash(k, a, views, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetLabel(std::string(k.is_ref() ? "reference" : k.name) + (f16 ? " f16 KV " : " f32 KV ") +
              std::to_string(threads) + "t G=" + std::to_string(n_head / n_kv));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * keys * n_kv * hd * 2 * (f16 ? 2 : 4));
}

void BM_Attention(benchmark::State& st) { run_attention(st, 4); }
void BM_AttentionMHA(benchmark::State& st) { run_attention(st, 32); }
void BM_AttentionDram(benchmark::State& st) { run_attention(st, 4, 22); }
// Llama-3.2-1B heads: 32 query heads over 8 kv heads (G = 4), 16 layers.
void BM_AttentionDramG4(benchmark::State& st) { run_attention(st, 8, 16); }

void AttentionArgs(benchmark::internal::Benchmark* b) {
  const int64_t n = static_cast<int64_t>(sinkstream::backend::cpu::available_kernels().size());
  for (int64_t keys : {512, 1024, 4096})
    for (int64_t f16 : {0, 1})
      for (int64_t k = 0; k < n; ++k) b->Args({keys, f16, k, 2});
  for (int64_t k = 0; k + 1 < n; ++k) b->Args({4096, 1, k, 1});
}

void MhaArgs(benchmark::internal::Benchmark* b) {
  const int64_t n = static_cast<int64_t>(sinkstream::backend::cpu::available_kernels().size());
  for (int64_t k = 0; k < n; ++k) b->Args({4096, 1, k, 2});
}

BENCHMARK(BM_Attention)->Apply(AttentionArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AttentionMHA)->Apply(MhaArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AttentionDram)->Apply(MhaArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AttentionDramG4)->Apply(MhaArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
