#include "model/arch/gpt_oss_keys.hpp"

#include "io/checked_values.hpp"
#include "io/gguf.hpp"
#include "io/gguf_writer.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream::model::arch {

namespace {

int32_t req_key(const io::gguf::File& f, const std::string& key, int64_t lo, int64_t hi) {
  if (!f.has(key)) throw Error(ErrorKind::kFormat, f.path() + ": missing metadata key " + key);
  const int64_t v = f.get_int(key);
  const std::optional<int32_t> r = io::checked_i32(v, lo, hi);
  if (!r) throw Error(ErrorKind::kFormat, f.path() + ": " + key + " " + io::outside_range(v, lo, hi));
  return *r;
}

}  // namespace

void read_gpt_oss_gguf_keys(const io::gguf::File& f, const std::string& p, ModelConfig& c) {
  c.n_expert = req_key(f, p + "expert_count", 1, 4096);
  c.n_expert_used = req_key(f, p + "expert_used_count", 1, c.n_expert);
  if (f.has(p + "expert_feed_forward_length")) c.n_ff = req_key(f, p + "expert_feed_forward_length", 1, 1 << 20);
  c.rope_scaling.truncate = f.get_bool(p + "rope.scaling.yarn_truncate", false);
}

void write_gpt_oss_gguf_keys(const ModelConfig& c, const std::string& p, io::gguf::Writer& w) {
  w.set_u32(p + "expert_count", static_cast<uint32_t>(c.n_expert));
  w.set_u32(p + "expert_used_count", static_cast<uint32_t>(c.n_expert_used));
  w.set_u32(p + "expert_feed_forward_length", static_cast<uint32_t>(c.n_ff));
  if (c.rope_scaling.kind == RopeScalingKind::kYarn) w.set_bool(p + "rope.scaling.yarn_truncate", c.rope_scaling.truncate);
}

}  // namespace sinkstream::model::arch
