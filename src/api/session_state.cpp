// Saved session states.
//
// File layout (native little-endian):
//   "SINKSTAT"  8 bytes magic
//   u32 version (1), u32 reserved (0), u64 payload bytes, u32 CRC-32 of the payload
//   payload: model fingerprint, policy string, batch, position, history,
//            sampler params + RNG state, last logits, cache (cache::KvCache::save)
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "api/model_access.hpp"
#include "api/session_impl.hpp"
#include "core/byte_stream.hpp"
#include "io/mapped_file.hpp"
#include "model/weights.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

namespace {

constexpr char kMagic[8] = {'S', 'I', 'N', 'K', 'S', 'T', 'A', 'T'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 4;

uint32_t crc_of(const char* data, size_t n);

// CRC-32 of sample rows of the weights (first and last row of the token
// embedding and the output, first row of every layer's wq and ffn_down): two
// models of the same shapes but other weights get other fingerprints.
uint32_t weights_sample_crc(const Model& m) {
  uint32_t crc = 0;
  auto add_row = [&](const core::TensorView& t, int64_t r) {
    if (t.empty() || t.rows <= 0 || t.cols <= 0) return;
    const size_t bytes = core::dtype_row_bytes(t.type, t.cols);
    const uint32_t c = crc_of(reinterpret_cast<const char*>(t.row_ptr(r)), bytes);
    crc = crc * 31u + c;
  };
  if (!m.has_weights()) return 0;
  const model::ModelWeights& w = api::ModelAccess::weights(m);
  add_row(w.tok_embd, 0);
  add_row(w.tok_embd, w.tok_embd.rows - 1);
  add_row(w.output, 0);
  add_row(w.output, w.output.rows - 1);
  for (const model::LayerWeights& l : w.layers) {
    add_row(l.wq, 0);
    add_row(l.ffn_down, 0);
  }
  return crc;
}

std::string fingerprint(const Model& m) {
  const ModelConfig& c = m.config();
  return c.arch + "/" + std::to_string(c.n_embd) + "/" + std::to_string(c.n_ff) + "/" + std::to_string(c.n_layer) +
         "/" + std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) + "/" + std::to_string(c.n_vocab) + "/" +
         std::to_string(m.parameter_count()) + "/weights:" + std::to_string(weights_sample_crc(m));
}

uint32_t crc_of(const char* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

// Validates the header and checksum; returns a reader over the payload.
core::ByteReader open_payload(const io::MappedFile& f) {
  const std::string& path = f.path();
  const char* d = reinterpret_cast<const char*>(f.data());
  if (f.size() < kHeaderBytes || std::memcmp(d, kMagic, 8) != 0) {
    throw Error(ErrorKind::kFormat, path + ": not a sinkstream state file (bad magic or too short)");
  }
  uint32_t version, reserved, crc;
  uint64_t payload;
  std::memcpy(&version, d + 8, 4);
  std::memcpy(&reserved, d + 12, 4);
  std::memcpy(&payload, d + 16, 8);
  std::memcpy(&crc, d + 24, 4);
  if (version != kVersion) {
    throw Error(ErrorKind::kFormat, path + ": state file version " + std::to_string(version) + ", this build reads " +
                                        std::to_string(kVersion));
  }
  if (payload != f.size() - kHeaderBytes) {
    throw Error(ErrorKind::kFormat, path + ": state file is truncated or has trailing bytes (payload " +
                                        std::to_string(payload) + " bytes, file holds " +
                                        std::to_string(f.size() - kHeaderBytes) + ")");
  }
  if (crc_of(d + kHeaderBytes, static_cast<size_t>(payload)) != crc) {
    throw Error(ErrorKind::kFormat, path + ": state file checksum mismatch (corrupted)");
  }
  return core::ByteReader(d + kHeaderBytes, static_cast<size_t>(payload), path);
}

// Writes header + payload to `path` atomically: a temporary file in the same
// directory, fsync, rename over `path`, fsync of the directory. A crash leaves
// either the old file or the new one, never a torn one.
void write_atomically(const std::string& path, const std::string& header, const std::string& payload) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorKind::kIo, tmp + ": cannot open for writing: " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kIo, tmp + ": " + what + ": " + why);
  };
  for (const std::string* part : {&header, &payload}) {
    size_t done = 0;
    while (done < part->size()) {
      const ssize_t n = ::write(fd, part->data() + done, part->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write failed");
      done += static_cast<size_t>(n);
    }
  }
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kIo, tmp + ": close failed: " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kIo, path + ": cannot rename " + tmp + " over it: " + why);
  }
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {  // the rename itself is durable once the directory is synced
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

// The payload of a state file (everything after the header).
std::string Session::state_payload() const {
  const Impl& s = *impl_;
  core::ByteWriter w;
  w.put_str(fingerprint(*s.model));
  w.put_str(s.options.cache.to_string());
  w.put<int32_t>(s.options.batch);
  w.put<int64_t>(s.pos);
  w.put_vec(s.history);
  const SamplerParams& sp = s.sampler.params();
  w.put<float>(sp.temperature);
  w.put<int32_t>(sp.top_k);
  w.put<float>(sp.top_p);
  w.put<float>(sp.min_p);
  w.put<float>(sp.repeat_penalty);
  w.put<int32_t>(sp.repeat_last_n);
  w.put<uint64_t>(sp.seed);
  for (const uint64_t word : s.sampler.rng().state()) w.put<uint64_t>(word);
  w.put_vec(s.logits);
  s.cache->save(w);
  return w.bytes();
}

void Session::save_state(const std::string& path) const { save_snapshot(state_payload(), path); }

void Session::save_snapshot(const std::string& payload, const std::string& path) {
  core::ByteWriter h;
  for (char ch : kMagic) h.put<char>(ch);
  h.put<uint32_t>(kVersion);
  h.put<uint32_t>(0);
  h.put<uint64_t>(payload.size());
  h.put<uint32_t>(crc_of(payload.data(), payload.size()));
  write_atomically(path, h.bytes(), payload);
}

CachePolicy Session::state_policy(const std::string& path) {
  const io::MappedFile f(path);
  core::ByteReader r = open_payload(f);
  r.get_str("model fingerprint");
  const CachePolicy p = CachePolicy::parse(r.get_str("cache policy"));
  // The caller sizes a cache by this policy before load_state reads the cache:
  // every slot it asks for must be in the file (8 bytes of slot position at least).
  int64_t slots = 0;  // the policy's size parameters (sink:S:W -> S + W)
  for (const int32_t a : p.args) slots += a;
  if (static_cast<uint64_t>(slots) > r.left() / 8) {
    r.fail("cache policy " + p.to_string() + " asks for " + std::to_string(slots) + " slots; the file holds " +
           std::to_string(r.left()) + " more bytes");
  }
  return p;
}

void Session::load_state(const std::string& path) {
  const io::MappedFile f(path);
  core::ByteReader r = open_payload(f);
  load_payload(r);
}

std::string Session::snapshot() const { return state_payload(); }

std::string Session::read_snapshot(const std::string& path) {
  const io::MappedFile f(path);
  open_payload(f);  // header and CRC
  return std::string(reinterpret_cast<const char*>(f.data()) + kHeaderBytes, f.size() - kHeaderBytes);
}

void Session::restore(const std::string& snapshot) {
  core::ByteReader r(snapshot.data(), snapshot.size(), "session snapshot");
  load_payload(r);
}

void Session::load_payload(core::ByteReader& r) {
  Impl& s = *impl_;
  const std::string fp = r.get_str("model fingerprint");
  if (fp != fingerprint(*s.model)) {
    r.fail("saved for model " + fp + ", but this session runs " + fingerprint(*s.model));
  }
  const std::string policy = r.get_str("cache policy");
  if (policy != s.options.cache.to_string()) {
    r.fail("saved with cache " + policy + ", but this session uses " + s.options.cache.to_string());
  }
  const int32_t batch = r.get<int32_t>("batch");
  if (batch != s.options.batch) {
    r.fail("saved with batch " + std::to_string(batch) + ", but this session uses " + std::to_string(s.options.batch));
  }
  const int64_t pos = r.get<int64_t>("position");
  auto history = r.get_vec<int32_t>("history");
  SamplerParams sp;
  sp.temperature = r.get<float>("temperature");
  sp.top_k = r.get<int32_t>("top_k");
  sp.top_p = r.get<float>("top_p");
  sp.min_p = r.get<float>("min_p");
  sp.repeat_penalty = r.get<float>("repeat_penalty");
  sp.repeat_last_n = r.get<int32_t>("repeat_last_n");
  sp.seed = r.get<uint64_t>("seed");
  std::array<uint64_t, 4> rng{};
  for (auto& word : rng) word = r.get<uint64_t>("rng state");
  auto logits = r.get_vec<float>("logits");
  if (logits.size() != s.logits.size()) r.fail("logit count does not match the vocabulary");
  if (pos < 0) r.fail("negative position");
  for (const int32_t t : history) {
    if (t < 0 || t >= s.cfg().n_vocab) r.fail("history token outside the vocabulary");
  }
  Sampler sampler(sp);  // validates the parameters
  sampler.rng().set_state(rng);
  s.cache->load(r);
  if (r.left() != 0) r.fail("unexpected bytes after the cache");
  s.pos = pos;
  s.history = std::move(history);
  s.logits = std::move(logits);
  s.sampler = sampler;
}

}  // namespace sinkstream
