#include "model/formats/hf_model.hpp"

#include <filesystem>

#include "io/hf_tensors.hpp"
#include "io/safetensors.hpp"
#include "model/arch/registry.hpp"
#include "model/formats/hf_config.hpp"

namespace sinkstream::model::formats {

HfModel load_hf_model(const std::string& folder) {
  namespace fs = std::filesystem;
  const std::string cfg_path = (fs::path(folder) / "config.json").string();
  HfConfig hc = load_hf_config(cfg_path);
  HfModel out;
  out.model_type = hc.model_type;
  out.config = hc.config;
  io::HfTensors t(io::safetensors::Archive::open(folder));
  // parse_hf_config found the entry; a null result cannot happen here.
  arch::find_hf_arch(out.model_type)->map_hf_tensors(t, out.config, out.weights);
  out.weights.owners = t.take_owners();
  return out;
}

}  // namespace sinkstream::model::formats
