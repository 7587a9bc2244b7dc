// --device for every command that runs a model: "cpu" (default) or "cuda".
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "sinkstream/backend.hpp"

namespace sinkstream::cli {

inline void add_device_option(CLI::App* cmd, std::string* device) {
  cmd->add_option("--device", *device,
                  "Where the forward pass runs: cpu, or cuda (matmuls and attention on an NVIDIA GPU, other ops on "
                  "the host; needs a build with CUDA)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
}

inline Device to_device(const std::string& name) {
  Device d = Device::kCpu;
  device_from_name(name, &d);  // the option's check admits only valid names
  return d;
}

}  // namespace sinkstream::cli
