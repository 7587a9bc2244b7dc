// Shapes of `sinkstream synth` (the real models' published sizes).
#include <gtest/gtest.h>

#include "eval/synth_model.hpp"
#include "sinkstream/error.hpp"

namespace sinkstream {
namespace {

TEST(SynthModel, ShapesMatchThePublishedModels) {
  const ModelConfig tl = eval::synth_shape("tinyllama-1.1b");
  EXPECT_EQ(tl.n_embd, 2048);
  EXPECT_EQ(tl.n_ff, 5632);
  EXPECT_EQ(tl.n_layer, 22);
  EXPECT_EQ(tl.n_head_kv, 4);
  EXPECT_EQ(tl.n_vocab, 32000);
  const ModelConfig l3 = eval::synth_shape("llama-3.2-1b");
  EXPECT_EQ(l3.n_ff, 8192);
  EXPECT_EQ(l3.n_vocab, 128256);
  EXPECT_TRUE(l3.tied_embeddings);
  EXPECT_EQ(eval::synth_shape("qwen2.5-0.5b").n_head, 14);
  EXPECT_EQ(eval::synth_shape("smollm-135m").n_layer, 30);
  EXPECT_EQ(eval::synth_shape("pythia-160m").n_rot, 16);
  // Gemma 2 2B / Gemma 3 1B: heads of 256 (q_dim != hidden), GeGLU, windowed layers.
  const ModelConfig g2 = eval::synth_shape("gemma-2-2b");
  EXPECT_EQ(g2.q_dim(), 2048);
  EXPECT_EQ(g2.n_embd, 2304);
  EXPECT_EQ(g2.layer_window[0], 4096);
  EXPECT_EQ(g2.layer_window[1], 0);
  EXPECT_EQ(g2.final_softcap, 30.0f);
  const ModelConfig g3 = eval::synth_shape("gemma-3-1b");
  EXPECT_EQ(g3.n_head_kv, 1);
  EXPECT_EQ(g3.layer_window[4], 512);
  EXPECT_EQ(g3.layer_window[5], 0);
  EXPECT_EQ(g3.sliding_rope_theta, 10000.0);
  EXPECT_EQ(eval::synth_shape("phi-3-mini-4k").n_vocab, 32064);
  for (const auto& n : eval::synth_shape_names()) {
    const ModelConfig c = eval::synth_shape(n);
    EXPECT_EQ(c.n_head % c.n_head_kv, 0) << n;
    EXPECT_TRUE(c.layer_window.empty() || c.layer_window.size() == static_cast<size_t>(c.n_layer)) << n;
    if (c.n_expert == 0) {
      EXPECT_EQ(c.head_dim * c.n_head, c.n_embd) << n;  // gpt-oss: 64 heads of 64 over a width of 2880
    }
  }
  // gpt-oss-20b's config.json: 24 layers of width 2880, 64 query / 8 K/V heads of 64, 32 experts of
  // 2880 with 4 per token, sliding window 128 on the even layers, YaRN x32 over 4096, vocabulary 201088.
  const ModelConfig g = eval::synth_shape("gpt-oss-20b");
  EXPECT_EQ(g.n_layer, 24);
  EXPECT_EQ(g.n_embd, 2880);
  EXPECT_EQ(g.n_ff, 2880);
  EXPECT_EQ(g.n_head, 64);
  EXPECT_EQ(g.n_head_kv, 8);
  EXPECT_EQ(g.head_dim, 64);
  EXPECT_EQ(g.n_expert, 32);
  EXPECT_EQ(g.n_expert_used, 4);
  EXPECT_EQ(g.n_vocab, 201088);
  ASSERT_EQ(g.layer_window.size(), 24u);
  EXPECT_EQ(g.layer_window[0], 128);
  EXPECT_EQ(g.layer_window[1], 0);
  EXPECT_EQ(g.rope_scaling.factor, 32.0);
  EXPECT_EQ(g.rope_scaling.original_context, 4096);
  EXPECT_EQ(eval::synth_shape("gpt-oss-20b-4l").n_layer, 4);
  EXPECT_THROW(eval::synth_shape("gpt-5"), Error);
}

}  // namespace
}  // namespace sinkstream
