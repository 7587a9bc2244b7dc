#include "io/hf_model.hpp"

#include <filesystem>

#include "io/hf_config.hpp"
#include "io/hf_map.hpp"
#include "io/safetensors.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {

bool is_hf_folder(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) &&
         std::filesystem::is_regular_file(std::filesystem::path(path) / "config.json", ec);
}

HfModel load_hf_model(const std::string& folder) {
  namespace fs = std::filesystem;
  const std::string cfg_path = (fs::path(folder) / "config.json").string();
  HfConfig hc = load_hf_config(cfg_path);
  HfModel out;
  out.model_type = hc.model_type;
  out.config = hc.config;
  HfTensors t(safetensors::Archive::open(folder));
  const std::string& a = out.config.arch;
  if (a == "llama" || a == "qwen2" || a == "qwen3") hf_map_llama(t, out.config, out.weights);
  else if (a == "gptneox") hf_map_neox(t, out.config, out.weights);
  else if (a == "falcon") hf_map_falcon(t, out.config, out.weights);
  else if (a == "mpt") hf_map_mpt(t, out.config, out.weights);
  else if (a == "gpt2") hf_map_gpt2(t, out.config, out.weights);
  else throw Error(ErrorKind::kUnsupported, cfg_path + ": no tensor mapping for architecture '" + a + "'");
  out.weights.owners = t.take_owners();
  return out;
}

}  // namespace sinkstream
