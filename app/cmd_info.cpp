// sinkstream info: what a model file is and what it needs.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "default_cache.hpp"
#include "eval/memory_budget.hpp"
#include "model_args.hpp"
#include "sinkstream/model.hpp"

namespace sinkstream::cli {

namespace {
struct InfoArgs {
  std::string model, tokenizer, cache;
  int64_t tokens = 0;
};

const char* yes(bool b) { return b ? "yes" : "no"; }

// "SwiGLU", ..., or for a mixture of experts "32 experts (4 per token) of clamped SwiGLU (alpha 1.702, limit 7)".
std::string ffn_description(const ModelConfig& c) {
  char act[96];
  if (c.ffn == FfnKind::kSwiGluOai) {
    std::snprintf(act, sizeof act, "clamped SwiGLU (alpha %g, limit %g)", static_cast<double>(c.swiglu_alpha),
                  static_cast<double>(c.swiglu_limit));
  } else {
    std::snprintf(act, sizeof act, "%s",
                  c.ffn == FfnKind::kSwiGlu   ? "SwiGLU"
                  : c.ffn == FfnKind::kGeGlu  ? "GeGLU (tanh)"
                  : c.ffn == FfnKind::kGelu   ? "GELU (tanh)"
                                              : "GELU (erf)");
  }
  if (c.n_expert == 0) return act;
  return std::to_string(c.n_expert) + " experts (" + std::to_string(c.n_expert_used) + " per token) of " + act;
}

// "cache plan    sink:4:2044 over 2048 tokens, f32" and one line per layer group.
void print_cache_plan(const Model& m, const std::string& cache, int64_t tokens) {
  const ModelConfig& c = m.config();
  const CachePolicy p = cache.empty() ? default_generate_cache(m) : CachePolicy::parse(cache);
  const int64_t n = tokens > 0 ? tokens : std::max(c.n_ctx_train, 1);
  std::printf("cache plan    %s over %lld tokens, f32 (a layer with a model window W keeps window:W unless the policy "
              "keeps fewer keys)\n", p.to_string().c_str(),
              static_cast<long long>(n));
  const std::string plan = eval::describe_cache_plan(c, p, n, 1, false);
  size_t at = 0;
  while (at < plan.size()) {
    const size_t end = plan.find('\n', at);
    std::printf("  %s\n", plan.substr(at, end - at).c_str());
    at = end + 1;
  }
}
}  // namespace

Runner add_info(CLI::App& app) {
  auto a = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Show a model's architecture, hyperparameters, tensor types, tokenizer and memory needs");
  cmd->add_option("-m,--model", a->model, kModelHelp)->required();
  cmd->add_option("-z,--tokenizer", a->tokenizer, "Tokenizer file for llama2.c checkpoints (default: beside the model)");
  cmd->add_option("-c,--cache", a->cache,
                  "Cache policy whose per-layer plan and memory to print (default: generate's, sink:4:W with W = "
                  "trained context - 4); a policy is " + CachePolicy::help());
  cmd->add_option("--tokens", a->tokens,
                  "Stream length the plan's memory is given for (0 = the trained context; only dense grows with it)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  return [a]() {
    LoadOptions lo;
    lo.tokenizer_path = a->tokenizer;
    const auto m = Model::load(a->model, lo);
    const ModelConfig& c = m->config();
    std::printf("file          %s (%s)\n", m->path().c_str(), m->format().c_str());
    std::printf("architecture  %s\n", c.arch.c_str());
    if (m->has_weights()) {
      const char* pos = c.positions == PositionKind::kRope ? "RoPE" : c.positions == PositionKind::kAlibi ? "ALiBi" : "learned absolute";
      std::printf("layers        %d\nwidth         %d (feed-forward %d)\nheads         %d query, %d key/value, head size %d\n",
                  c.n_layer, c.n_embd, c.n_ff, c.n_head, c.n_head_kv, c.head_dim);
      std::printf("vocabulary    %d\ncontext       %d (trained)\n", c.n_vocab, c.n_ctx_train);
      std::printf("positions     %s", pos);
      if (c.positions == PositionKind::kRope) {
        std::printf(" (theta %g, %d of %d dims, %s pairs)", c.rope_theta, c.n_rot, c.head_dim,
                    c.rope_layout == RopeLayout::kInterleaved ? "adjacent" : "halves");
        if (c.rope_scaling.kind == RopeScalingKind::kYarn) {
          std::printf(", YaRN x%g over %lld (attention factor %.4g)", c.rope_scaling.factor,
                      static_cast<long long>(c.rope_scaling.original_context), c.rope_scaling.attention_factor());
        }
      }
      std::printf("\nnorm          %s, eps %g\n", c.norm == NormKind::kRms ? "RMSNorm" : "LayerNorm", static_cast<double>(c.norm_eps));
      std::printf("feed-forward  %s\n", ffn_description(c).c_str());
      std::printf("structure     %s residual, tied classifier: %s, biases: %s, q/k norm: %s\n",
                  c.parallel_residual ? "parallel" : "sequential", yes(c.tied_embeddings), yes(c.attn_bias || c.ffn_bias),
                  yes(c.qk_norm));
      std::printf("attention     learned sink logits: %s, softmax-off-by-one: %s\n",
                  yes(m->has_learned_sink_logits()), yes(c.attn_softmax_one));
      double weight_bytes = 0;
      for (const WeightTypeSummary& t : m->weight_types()) weight_bytes += t.bytes;
      std::printf("parameters    %lld (%.2fM)\n", static_cast<long long>(m->parameter_count()),
                  static_cast<double>(m->parameter_count()) / 1e6);
      for (const WeightTypeSummary& t : m->weight_types()) {
        std::printf("  %-6s      %lld parameters, %s\n", t.type.c_str(), static_cast<long long>(t.parameters),
                    eval::human_bytes(t.bytes).c_str());
      }
      const double kv_per_token = 2.0 * c.n_layer * c.kv_dim() * 4;
      std::printf("memory        weights %s; KV cache %s per token in f32 without model windows\n",
                  eval::human_bytes(weight_bytes).c_str(), eval::human_bytes(kv_per_token).c_str());
      print_cache_plan(*m, a->cache, a->tokens);
    } else {
      std::printf("weights       none (vocabulary only)\n");
    }
    if (m->has_tokenizer()) {
      const Tokenizer& t = m->tokenizer();
      std::printf("tokenizer     %s, %d tokens, BOS %d, EOS %d\n", t.kind().c_str(), t.vocab_size(), t.bos_id(), t.eos_id());
    } else {
      std::printf("tokenizer     none\n");
    }
    return 0;
  };
}

}  // namespace sinkstream::cli
