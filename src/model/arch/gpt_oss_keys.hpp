// gpt-oss's own GGUF keys (llama.cpp's names).
#pragma once

#include <string>

#include "sinkstream/model_config.hpp"

namespace sinkstream::io::gguf {
class File;
class Writer;
}  // namespace sinkstream::io::gguf

namespace sinkstream::model::arch {

// <p>expert_count, expert_used_count, expert_feed_forward_length (-> n_ff), and the YaRN ramp
// rounding (<p>rope.scaling.yarn_truncate, sinkstream's key; absent = false, as gpt-oss ships).
void read_gpt_oss_gguf_keys(const io::gguf::File& f, const std::string& p, ModelConfig& c);
void write_gpt_oss_gguf_keys(const ModelConfig& c, const std::string& p, io::gguf::Writer& w);

}  // namespace sinkstream::model::arch
