// Recognizes a Hugging Face model folder.
#pragma once

#include <string>

namespace sinkstream::io {

// True when `path` is a folder holding a config.json.
bool is_hf_folder(const std::string& path);

}  // namespace sinkstream::io
