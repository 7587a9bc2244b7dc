// Shared help text for -m MODEL across commands.
#pragma once

namespace sinkstream::cli {

inline constexpr const char* kModelHelp =
    "Model: a .gguf file, a Hugging Face folder (config.json + *.safetensors), or a llama2.c checkpoint (.bin)";

}  // namespace sinkstream::cli
