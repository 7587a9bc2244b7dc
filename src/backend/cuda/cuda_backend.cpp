#include "backend/cuda/cuda_backend.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "backend/cuda/device_check.hpp"
#include "backend/cuda/kernels.hpp"
#include "core/f16.hpp"
#include "core/row_dot.hpp"

namespace sinkstream::backend::cuda {
namespace {

// cudaMalloc'd bytes, grown on demand (contents not kept when it grows).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { reserve(bytes); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    release();
    p_ = std::exchange(o.p_, nullptr);
    n_ = std::exchange(o.n_, 0);
    return *this;
  }
  void* reserve(size_t bytes) {
    if (bytes > n_) {
      release();
      SINKSTREAM_CUDA(cudaMalloc(&p_, bytes));
      n_ = bytes;
    }
    return p_;
  }
  void* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  void release() {
    if (p_ != nullptr) cudaFree(p_);
    p_ = nullptr;
    n_ = 0;
  }
  void* p_ = nullptr;
  size_t n_ = 0;
};

// Page-locked host bytes (fast copies both ways), grown on demand.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer() {
    if (p_ != nullptr) cudaFreeHost(p_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  uint8_t* reserve(size_t bytes) {
    if (bytes > n_) {
      if (p_ != nullptr) cudaFreeHost(p_);
      p_ = nullptr;
      SINKSTREAM_CUDA(cudaMallocHost(&p_, bytes));
      n_ = bytes;
    }
    return static_cast<uint8_t*>(p_);
  }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

// One weight (or bias) on the device, kept in the Model's WeightCache.
struct DeviceWeight final : WeightCache::Entry {
  DeviceBuffer buf;
  DevType type = DevType::kF32;
  int64_t rows = 0, cols = 0, row_bytes = 0;
};
constexpr int kCacheKind = 0x43554441;  // "CUDA": WeightCache kind of device copies

DeviceWeight* upload_weight(const core::TensorView& w) {
  auto out = std::make_unique<DeviceWeight>();
  out->rows = w.rows;
  out->cols = w.cols;
  const size_t file_row = core::dtype_row_bytes(w.type, w.cols);
  bool native = true;
  switch (w.type) {
    case core::DType::kF32: out->type = DevType::kF32; break;
    case core::DType::kF16: out->type = DevType::kF16; break;
    case core::DType::kBF16: out->type = DevType::kBF16; break;
    case core::DType::kQ8_0: out->type = DevType::kQ8_0; break;
    case core::DType::kQ4_0: out->type = DevType::kQ4_0; break;
    default: native = false; out->type = DevType::kF16; break;
  }
  if (native) {
    out->row_bytes = static_cast<int64_t>(file_row);
    const size_t bytes = file_row * static_cast<size_t>(w.rows);
    out->buf.reserve(bytes);
    SINKSTREAM_CUDA(cudaMemcpy(out->buf.get(), w.data, bytes, cudaMemcpyHostToDevice));
  } else {  // dequantized to f16 rows on the host, one row at a time
    out->row_bytes = w.cols * 2;
    std::vector<float> row(static_cast<size_t>(w.cols));
    std::vector<uint16_t> half(static_cast<size_t>(w.rows * w.cols));
    for (int64_t r = 0; r < w.rows; ++r) {
      core::row_dequantize_ref(w.type, w.row_ptr(r), row.data(), w.cols);
      for (int64_t c = 0; c < w.cols; ++c) half[static_cast<size_t>(r * w.cols + c)] = core::f32_to_f16(row[static_cast<size_t>(c)]);
    }
    out->buf.reserve(half.size() * 2);
    SINKSTREAM_CUDA(cudaMemcpy(out->buf.get(), half.data(), half.size() * 2, cudaMemcpyHostToDevice));
  }
  return out.release();
}

// A bias vector as f32 on the device (any dtype in the file).
DeviceWeight* upload_bias(const core::TensorView& b) {
  auto out = std::make_unique<DeviceWeight>();
  out->rows = 1;
  out->cols = b.numel();
  out->type = DevType::kF32;
  out->row_bytes = out->cols * 4;
  std::vector<float> v(static_cast<size_t>(out->cols));
  core::row_dequantize_ref(b.type, b.data, v.data(), out->cols);
  out->buf.reserve(v.size() * 4);
  SINKSTREAM_CUDA(cudaMemcpy(out->buf.get(), v.data(), v.size() * 4, cudaMemcpyHostToDevice));
  return out.release();
}

size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

}  // namespace

bool device_available(std::string* why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    if (why != nullptr) *why = e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device";
    return false;
  }
  return true;
}

// K/V rows of one (storage, layer) on the device, and the version each row had when it was sent.
struct KvMirror {
  DeviceBuffer k, v, slot_pos;  // [n_slots][kv_dim] each; [n_slots] int64
  std::vector<uint64_t> sent;   // [n_slots] version sent (0: never)
  int32_t n_slots = 0, kv_dim = 0;
  bool f16 = false;
  uint64_t last_use = 0;
};

struct CudaBackend::Device {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  DeviceBuffer x, x16, w16, y, blob, partial_o, partial_ml, out;
  PinnedBuffer h_in, h_out;
  std::map<std::pair<uint64_t, int32_t>, KvMirror> mirrors;  // (storage id, model layer)
  uint64_t calls = 0;

  Device() {
    SINKSTREAM_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    SINKSTREAM_CUBLAS(cublasCreate(&blas));
    SINKSTREAM_CUBLAS(cublasSetStream(blas, stream));
  }
  ~Device() {
    if (blas != nullptr) cublasDestroy(blas);
    if (stream != nullptr) cudaStreamDestroy(stream);
  }

  // Y (device) = X (device) · Wᵀ (+ bias) for a chunk of T rows.
  void run_matmul(const DeviceWeight& w, const float* dX, float* dY, int64_t T, const DeviceWeight* bias) {
    const float* db = bias != nullptr ? static_cast<const float*>(bias->buf.get()) : nullptr;
    if (T <= kMatvecMaxT) {
      matvec(w.type, w.buf.get(), w.rows, w.cols, w.row_bytes, dX, dY, T, db, stream);
      return;
    }
    const void* wh = w.buf.get();
    if (w.type != DevType::kF16) {
      wh = w16.reserve(static_cast<size_t>(w.rows * w.cols) * 2);
      dequantize_f16(w.type, w.buf.get(), w.rows, w.cols, w.row_bytes, w16.get(), stream);
    }
    void* xh = x16.reserve(static_cast<size_t>(T * w.cols) * 2);
    f32_to_f16(dX, xh, T * w.cols, stream);
    // Column-major view: Yᵀ (rows × T) = W (stored cols × rows)ᵀ · Xᵀ (cols × T).
    const float alpha = 1.0f, beta = 0.0f;
    SINKSTREAM_CUBLAS(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(w.rows), static_cast<int>(T),
                                   static_cast<int>(w.cols), &alpha, wh, CUDA_R_16F, static_cast<int>(w.cols), xh,
                                   CUDA_R_16F, static_cast<int>(w.cols), &beta, dY, CUDA_R_32F,
                                   static_cast<int>(w.rows), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    if (db != nullptr) add_bias(dY, db, T, w.rows, stream);
  }

  KvMirror& mirror_for(const KvView& kv, int32_t layer) {
    const auto key = std::make_pair(kv.storage_id(), layer);
    auto it = mirrors.find(key);
    if (it != mirrors.end() && (it->second.n_slots != kv.n_slots() || it->second.kv_dim != kv.kv_dim() ||
                                it->second.f16 != kv.is_f16())) {
      mirrors.erase(it);
      it = mirrors.end();
    }
    if (it == mirrors.end()) {
      if (mirrors.size() >= 4096) {  // drop the least recently used mirror
        auto lru = std::min_element(mirrors.begin(), mirrors.end(),
                                    [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
        mirrors.erase(lru);
      }
      KvMirror m;
      m.n_slots = kv.n_slots();
      m.kv_dim = kv.kv_dim();
      m.f16 = kv.is_f16();
      const size_t bytes = static_cast<size_t>(m.n_slots) * static_cast<size_t>(m.kv_dim) * (m.f16 ? 2 : 4);
      m.k.reserve(bytes);
      m.v.reserve(bytes);
      m.slot_pos.reserve(static_cast<size_t>(m.n_slots) * 8);
      SINKSTREAM_CUDA(cudaMemsetAsync(m.k.get(), 0, bytes, stream));  // the host's rows start as zeros too
      SINKSTREAM_CUDA(cudaMemsetAsync(m.v.get(), 0, bytes, stream));
      m.sent.assign(static_cast<size_t>(m.n_slots), 0);
      it = mirrors.emplace(key, std::move(m)).first;
    }
    it->second.last_use = ++calls;
    return it->second;
  }

  // Sends the rows of slots [begin, end) of `layer` (K and V) to the mirror.
  void send_rows(const KvView& kv, int32_t layer, KvMirror& m, int32_t begin, int32_t end) {
    const size_t row = static_cast<size_t>(m.kv_dim) * (m.f16 ? 2 : 4);
    const size_t off = static_cast<size_t>(begin) * row, bytes = static_cast<size_t>(end - begin) * row;
    const void* hk = m.f16 ? static_cast<const void*>(kv.k16(layer, begin)) : static_cast<const void*>(kv.k(layer, begin));
    const void* hv = m.f16 ? static_cast<const void*>(kv.v16(layer, begin)) : static_cast<const void*>(kv.v(layer, begin));
    SINKSTREAM_CUDA(cudaMemcpyAsync(static_cast<uint8_t*>(m.k.get()) + off, hk, bytes, cudaMemcpyHostToDevice, stream));
    SINKSTREAM_CUDA(cudaMemcpyAsync(static_cast<uint8_t*>(m.v.get()) + off, hv, bytes, cudaMemcpyHostToDevice, stream));
  }
};

CudaBackend::CudaBackend(int32_t threads, std::shared_ptr<WeightCache> weights)
    : host_(threads, weights),
      weights_(weights != nullptr ? std::move(weights) : std::make_shared<WeightCache>()) {
  std::string why;
  if (!device_available(&why)) throw Error(ErrorKind::kUnsupported, "--device cuda: no usable CUDA device (" + why + ")");
  dev_ = std::make_unique<Device>();
  cudaDeviceProp prop{};
  SINKSTREAM_CUDA(cudaGetDeviceProperties(&prop, 0));
  name_ = std::string("cuda/") + prop.name;
}

CudaBackend::~CudaBackend() = default;

namespace {

const DeviceWeight& device_weight(WeightCache& cache, const core::TensorView& w) {
  const WeightCache::Entry* e = cache.get_or_make(w.data, kCacheKind, [&] { return std::unique_ptr<WeightCache::Entry>(upload_weight(w)); });
  return static_cast<const DeviceWeight&>(*e);
}

const DeviceWeight* device_bias(WeightCache& cache, const core::TensorView* b) {
  if (b == nullptr || b->empty()) return nullptr;
  const WeightCache::Entry* e = cache.get_or_make(b->data, kCacheKind + 1, [&] { return std::unique_ptr<WeightCache::Entry>(upload_bias(*b)); });
  return static_cast<const DeviceWeight*>(e);
}

}  // namespace

void CudaBackend::matmul(const core::TensorView& w, const float* X, float* Y, int64_t T, const core::TensorView* bias) {
  const core::TensorView* ws[1] = {&w};
  float* Ys[1] = {Y};
  const core::TensorView* bs[1] = {bias};
  matmul_multi(ws, X, Ys, 1, T, bs);
}

void CudaBackend::matmul_multi(const core::TensorView* const* ws, const float* X, float* const* Ys, int n, int64_t T,
                               const core::TensorView* const* biases) {
  Device& d = *dev_;
  const int64_t cols = ws[0]->cols;
  const size_t in_bytes = static_cast<size_t>(T * cols) * sizeof(float);
  std::vector<size_t> out_off(static_cast<size_t>(n) + 1, 0);
  for (int i = 0; i < n; ++i) out_off[static_cast<size_t>(i) + 1] = out_off[static_cast<size_t>(i)] + static_cast<size_t>(T * ws[i]->rows);
  std::vector<const DeviceWeight*> dw(static_cast<size_t>(n)), db(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    dw[static_cast<size_t>(i)] = &device_weight(*weights_, *ws[i]);
    db[static_cast<size_t>(i)] = device_bias(*weights_, biases != nullptr ? biases[i] : nullptr);
  }
  uint8_t* hin = d.h_in.reserve(in_bytes);
  std::memcpy(hin, X, in_bytes);
  auto* dX = static_cast<float*>(d.x.reserve(in_bytes));
  SINKSTREAM_CUDA(cudaMemcpyAsync(dX, hin, in_bytes, cudaMemcpyHostToDevice, d.stream));
  auto* dY = static_cast<float*>(d.y.reserve(out_off.back() * sizeof(float)));
  for (int i = 0; i < n; ++i) d.run_matmul(*dw[static_cast<size_t>(i)], dX, dY + out_off[static_cast<size_t>(i)], T, db[static_cast<size_t>(i)]);
  auto* hout = reinterpret_cast<float*>(d.h_out.reserve(out_off.back() * sizeof(float)));
  SINKSTREAM_CUDA(cudaMemcpyAsync(hout, dY, out_off.back() * sizeof(float), cudaMemcpyDeviceToHost, d.stream));
  SINKSTREAM_CUDA(cudaStreamSynchronize(d.stream));
  for (int i = 0; i < n; ++i) {
    std::memcpy(Ys[i], hout + out_off[static_cast<size_t>(i)], static_cast<size_t>(T * ws[i]->rows) * sizeof(float));
  }
}

void CudaBackend::attention(const backend::AttentionArgs& a, std::span<const backend::QueryView> queries, float* out) {
  if (a.probe != nullptr || a.head_dim > 256 || queries.empty()) {  // analysis probes see every softmax: host reference
    host_.attention(a, queries, out);
    return;
  }
  Device& d = *dev_;
  const KvView& kv = a.kv;
  KvMirror& m = d.mirror_for(kv, a.layer);
  const uint64_t* ver = kv.version(a.layer);
  const bool tracked = kv.storage_id() != 0 && ver != nullptr;

  // Send the rows whose version moved (all referenced rows when untracked), in runs.
  int32_t total_spans = 0, max_keys = 0;
  for (const backend::QueryView& q : queries) {
    int32_t keys = 0;
    for (int32_t s = 0; s < q.n_spans; ++s) {
      const backend::KvSpan& sp = q.spans[s];
      int32_t run = -1;
      for (int32_t slot = sp.slot_begin; slot < sp.slot_begin + sp.count; ++slot) {
        const size_t i = static_cast<size_t>(slot);
        const bool stale = !tracked || m.sent[i] != ver[i];
        if (stale) {
          m.sent[i] = tracked ? ver[i] : 0;
          if (run < 0) run = slot;
        } else if (run >= 0) {
          d.send_rows(kv, a.layer, m, run, slot);
          run = -1;
        }
      }
      if (run >= 0) d.send_rows(kv, a.layer, m, run, sp.slot_begin + sp.count);
      keys += sp.count;
    }
    total_spans += q.n_spans;
    max_keys = std::max(max_keys, keys);
  }
  if (max_keys == 0) {  // nothing to attend to: the reference's answer
    host_.attention(a, queries, out);
    return;
  }
  if (a.alibi_slopes != nullptr) {
    SINKSTREAM_CUDA(cudaMemcpyAsync(m.slot_pos.get(), kv.slot_pos(), static_cast<size_t>(m.n_slots) * 8,
                                    cudaMemcpyHostToDevice, d.stream));
  }

  // One blob: spans, span offsets, key counts, rotated queries, ALiBi slopes, sink logits.
  const int32_t T = static_cast<int32_t>(queries.size());
  const size_t q_row = static_cast<size_t>(a.n_head) * static_cast<size_t>(a.head_dim);
  const size_t o_spans = 0, o_off = align16(o_spans + sizeof(DevSpan) * static_cast<size_t>(total_spans));
  const size_t o_keys = align16(o_off + 4 * static_cast<size_t>(T + 1));
  const size_t o_q = align16(o_keys + 4 * static_cast<size_t>(T));
  const size_t o_alibi = align16(o_q + 4 * q_row * static_cast<size_t>(total_spans));
  const size_t o_sink = align16(o_alibi + 4 * static_cast<size_t>(a.n_head));
  const size_t blob = align16(o_sink + 4 * static_cast<size_t>(a.n_head));
  uint8_t* h = d.h_in.reserve(blob);
  auto* spans = reinterpret_cast<DevSpan*>(h + o_spans);
  auto* span_off = reinterpret_cast<int32_t*>(h + o_off);
  auto* n_keys = reinterpret_cast<int32_t*>(h + o_keys);
  auto* qs = reinterpret_cast<float*>(h + o_q);
  int32_t si = 0;
  for (int32_t t = 0; t < T; ++t) {
    const backend::QueryView& q = queries[static_cast<size_t>(t)];
    span_off[t] = si;
    int32_t keys = 0;
    for (int32_t s = 0; s < q.n_spans; ++s, ++si) {
      spans[si] = DevSpan{q.spans[s].slot_begin, q.spans[s].count, q.spans[s].q_rot_pos, keys, 0};
      std::memcpy(qs + static_cast<size_t>(si) * q_row, q.q[s], q_row * sizeof(float));
      keys += q.spans[s].count;
    }
    n_keys[t] = keys;
  }
  span_off[T] = si;
  if (a.alibi_slopes != nullptr) std::memcpy(h + o_alibi, a.alibi_slopes, 4 * static_cast<size_t>(a.n_head));
  if (a.sink_logits != nullptr) std::memcpy(h + o_sink, a.sink_logits, 4 * static_cast<size_t>(a.n_head));
  auto* dblob = static_cast<uint8_t*>(d.blob.reserve(blob));
  SINKSTREAM_CUDA(cudaMemcpyAsync(dblob, h, blob, cudaMemcpyHostToDevice, d.stream));

  const int32_t n_chunks = attention_chunks(max_keys);
  AttentionLaunch L;
  L.T = T;
  L.n_head = a.n_head;
  L.n_head_kv = a.n_head_kv;
  L.head_dim = a.head_dim;
  L.kv_dim = kv.kv_dim();
  L.scale = a.scale;
  L.softcap = a.softcap;
  L.f16 = kv.is_f16();
  L.dk = m.k.get();
  L.dv = m.v.get();
  L.dslot_pos = static_cast<const int64_t*>(m.slot_pos.get());
  L.dspans = reinterpret_cast<const DevSpan*>(dblob + o_spans);
  L.dspan_offset = reinterpret_cast<const int32_t*>(dblob + o_off);
  L.dn_keys = reinterpret_cast<const int32_t*>(dblob + o_keys);
  L.dq = reinterpret_cast<const float*>(dblob + o_q);
  L.dalibi = a.alibi_slopes != nullptr ? reinterpret_cast<const float*>(dblob + o_alibi) : nullptr;
  L.dsink = a.sink_logits != nullptr ? reinterpret_cast<const float*>(dblob + o_sink) : nullptr;
  L.zero_sink = a.zero_sink_logit;
  L.max_keys = max_keys;
  const size_t parts = static_cast<size_t>(T) * static_cast<size_t>(a.n_head) * static_cast<size_t>(std::max(n_chunks, 1));
  L.dpartial_o = static_cast<float*>(d.partial_o.reserve(parts * static_cast<size_t>(a.head_dim) * 4));
  L.dpartial_ml = static_cast<float*>(d.partial_ml.reserve(parts * 2 * 4));
  const size_t out_bytes = static_cast<size_t>(T) * q_row * 4;
  L.dout = static_cast<float*>(d.out.reserve(out_bytes));
  cuda::attention(L, d.stream);
  SINKSTREAM_CUDA(cudaGetLastError());
  uint8_t* hout = d.h_out.reserve(out_bytes);
  SINKSTREAM_CUDA(cudaMemcpyAsync(hout, L.dout, out_bytes, cudaMemcpyDeviceToHost, d.stream));
  SINKSTREAM_CUDA(cudaStreamSynchronize(d.stream));
  std::memcpy(out, hout, out_bytes);
}

}  // namespace sinkstream::backend::cuda
