// `sinkstream bench` roofline: the bytes a decoded token must read (weights +
// live K/V) against the machine's measured read bandwidth.
#include <cstdio>

#include "bench_run.hpp"
#include "eval/memory_bandwidth.hpp"

namespace sinkstream::cli {

namespace {

// K/V bytes a token reads when attending to `keys` cached tokens.
double kv_bytes(const ModelConfig& c, int64_t keys, bool f16) {
  return static_cast<double>(c.n_layer) * static_cast<double>(keys) * c.kv_dim() * 2.0 * (f16 ? 2.0 : 4.0);
}

// The bandwidth probes and the achieved fraction of the roofline.
void bandwidth_roofline(const BenchArgs& a, const BenchRun& run, const DecodeFigures& decode, double bytes_per_token,
                        BenchJson& out) {
  const eval::Bandwidth rd = eval::read_bandwidth_gbs(run.threads, static_cast<size_t>(a.bw_gib * 1024 * 1024 * 1024), a.reps);
  const double tr = eval::triad_bandwidth_gbs(run.threads, 768u << 20, a.reps);
  const double roof = rd.gbs * 1e9 / bytes_per_token, roof_cpu = rd.cpu_gbs * 1e9 / bytes_per_token;
  std::printf("bandwidth: read %.1f GB/s (64 KiB chunks alternating; CPU-time estimate %.1f GB/s), triad %.1f GB/s\n",
              rd.gbs, rd.cpu_gbs, tr);
  std::printf("roofline: %.2f tokens/s at the read bandwidth; achieved %.1f%%\n", roof, 100.0 * decode.tokens_per_s / roof);
  std::printf("roofline (CPU-time estimates): %.2f tokens/s; achieved %.1f%%\n", roof_cpu,
              100.0 * decode.tokens_per_cpu_s / roof_cpu);
  out["read_bandwidth_gbs"] = rd.gbs;
  out["read_bandwidth_cpu_gbs"] = rd.cpu_gbs;
  out["triad_bandwidth_gbs"] = tr;
  out["roofline_tokens_per_s"] = roof;
  out["roofline_fraction"] = decode.tokens_per_s / roof;
  out["roofline_fraction_cpu_estimate"] = decode.tokens_per_cpu_s / roof_cpu;
}

}  // namespace

void bench_roofline(const BenchArgs& a, const BenchRun& run, const DecodeFigures& decode, BenchJson& out) {
  const double wb = run.model->decode_weight_bytes();
  const double kb = kv_bytes(run.model->config(), decode.keys, run.options.kv_f16);
  std::printf("bytes per decoded token: %.1f MB weights + %.1f MB K/V\n", wb / 1e6, kb / 1e6);
  out["weight_bytes_per_token"] = wb;
  out["kv_bytes_per_token"] = kb;
  if (!a.no_bandwidth) bandwidth_roofline(a, run, decode, wb + kb, out);
}

}  // namespace sinkstream::cli
