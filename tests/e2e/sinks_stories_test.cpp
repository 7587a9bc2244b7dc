// `sinkstream sinks` on stories260K over 512 tokens of tinyshakespeare: the
// summary, JSON (valid against the schema) and heatmaps are produced, and every
// attention statistic, massive activation and K/V norm equals an independent
// computation from the full attention matrices and hidden states of
// support/plain_llama. On 64 tokens, every head's ablation delta equals the
// difference of two plain runs, one with that head's first K keys masked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sinkstream/model.hpp"
#include "support/paths.hpp"
#include "support/plain_llama.hpp"
#include "support/sinks_check.hpp"

namespace sinkstream::test {
namespace {

std::string shakespeare() { return shared_dir() + "/text/tinyshakespeare.txt"; }

std::vector<int32_t> stories_stream(const Model& m, size_t n) {
  std::vector<int32_t> ids = m.tokenizer().encode(read_file(shakespeare()), /*add_bos=*/true);
  ids.resize(std::min(ids.size(), n));
  return ids;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

TEST(SinksStories, MatchesFullAttentionOver512Tokens) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  const int32_t K = 4;
  const SinksRun run = run_sinks("-m " + stories_model() + " --text " + shakespeare() + " --png " +
                                     dir.file("st-") + " -t 2",
                                 dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");
  for (const char* f : {"st-first_mass.png"}) {
    const std::string png = read_file(dir.file(f));
    ASSERT_GT(png.size(), 1000u) << f;
    EXPECT_EQ(png.substr(1, 3), "PNG") << f;
  }
  EXPECT_NE(run.cmd.out.find("heads by first-token mass"), std::string::npos);
  EXPECT_NE(run.cmd.out.find("massive activations"), std::string::npos);
  EXPECT_TRUE(run.json["ablation"].is_null());

  const auto model = Model::load(stories_model());
  const ModelConfig& c = model->config();
  const std::vector<int32_t> ids = stories_stream(*model, 512);
  const size_t n = ids.size();
  ASSERT_EQ(n, 512u);
  ASSERT_EQ(run.json["stream"]["n_tokens"], 512);
  std::vector<std::vector<double>> att;
  std::vector<std::vector<float>> hidden, keys, values;
  PlainProbe p;
  p.attention = &att;
  p.hidden = &hidden;
  p.keys = &keys;
  p.values = &values;
  const std::vector<float> logits = plain_llama_run(*model, ids, p);
  EXPECT_NEAR(run.json["stream"]["nll"].get<double>(), mean_nll(logits, ids, c.n_vocab), 1e-5);

  const double nq = static_cast<double>(n - K);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    for (int32_t h = 0; h < c.n_head; ++h) {
      const auto& a = att[static_cast<size_t>(l * c.n_head + h)];
      const auto* jh = find_head(run.json, l, h);
      ASSERT_NE(jh, nullptr);
      std::vector<double> col(n, 0.0);  // mean weight per key position
      double entropy = 0;
      for (size_t q = K; q < n; ++q) {
        for (size_t k = 0; k <= q; ++k) {
          col[k] += a[q * n + k] / nq;
          if (a[q * n + k] > 0) entropy -= a[q * n + k] * std::log(a[q * n + k]) / nq;
        }
      }
      for (int32_t j = 0; j < K; ++j) EXPECT_NEAR((*jh)["first_mass"][j].get<double>(), col[static_cast<size_t>(j)], 1e-5);
      EXPECT_NEAR((*jh)["first_token_mass"].get<double>(), col[0], 1e-5);
      EXPECT_NEAR((*jh)["entropy"].get<double>(), entropy, 1e-4);
      std::vector<double> sorted = col;
      std::sort(sorted.rbegin(), sorted.rend());
      ASSERT_EQ((*jh)["top"].size(), 3u);
      for (size_t i = 0; i < 3; ++i) {
        const auto& t = (*jh)["top"][i];
        EXPECT_NEAR(t["mass"].get<double>(), sorted[i], 1e-5);
        EXPECT_NEAR(col[t["position"].get<size_t>()], t["mass"].get<double>(), 1e-5);
      }
    }
  }
  // Massive activations: the largest |hidden| per layer, where it is, and the median.
  const size_t D = static_cast<size_t>(c.n_embd);
  for (int32_t l = 0; l < c.n_layer; ++l) {
    const auto& x = hidden[static_cast<size_t>(l)];
    const auto& ja = run.json["activations"][l];
    std::vector<double> mag(x.size());
    for (size_t i = 0; i < x.size(); ++i) mag[i] = std::fabs(x[i]);
    const double med = median(mag);
    const double mx = *std::max_element(mag.begin(), mag.end());
    EXPECT_NEAR(ja["median_abs"].get<double>(), med, 1e-4 * med);
    const auto& top = ja["top"][0];
    EXPECT_NEAR(std::fabs(top["value"].get<double>()), mx, 1e-4 * mx);
    const size_t at = top["position"].get<size_t>() * D + top["channel"].get<size_t>();
    EXPECT_NEAR(top["value"].get<double>(), x[at], 1e-4 * mx);
    EXPECT_NEAR(top["ratio"].get<double>(), mx / med, 1e-3 * mx / med);
  }
  // K/V norms per layer and K/V head.
  const size_t hd = static_cast<size_t>(c.head_dim), kvd = static_cast<size_t>(c.kv_dim());
  for (const auto& jk : run.json["kv_norms"]) {
    const size_t l = jk["layer"].get<size_t>(), g = jk["kv_head"].get<size_t>();
    std::vector<double> kn(n), vn(n);
    for (size_t t = 0; t < n; ++t) {
      double ks = 0, vs = 0;
      for (size_t i = 0; i < hd; ++i) {
        ks += std::pow(keys[l][t * kvd + g * hd + i], 2);
        vs += std::pow(values[l][t * kvd + g * hd + i], 2);
      }
      kn[t] = std::sqrt(ks);
      vn[t] = std::sqrt(vs);
    }
    for (size_t j = 0; j < static_cast<size_t>(K); ++j) {
      EXPECT_NEAR(jk["key_first"][j].get<double>(), kn[j], 1e-4 * (1 + kn[j]));
      EXPECT_NEAR(jk["value_first"][j].get<double>(), vn[j], 1e-4 * (1 + vn[j]));
    }
    EXPECT_NEAR(jk["key_median"].get<double>(), median(kn), 1e-4 * (1 + median(kn)));
    EXPECT_NEAR(jk["value_median"].get<double>(), median(vn), 1e-4 * (1 + median(vn)));
  }
  EXPECT_EQ(run.json["kv_norms"].size(), static_cast<size_t>(c.n_layer * c.n_head_kv));
}

TEST(SinksStories, AblationDeltasEqualMaskedPlainRuns) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  const size_t K = 4, n = 64;
  const SinksRun run = run_sinks("-m " + stories_model() + " --text " + shakespeare() +
                                     " --ctx 64 --ablate --png " + dir.file("ab-") + " -t 2",
                                 dir);
  ASSERT_EQ(run.cmd.status, 0) << run.cmd.err;
  EXPECT_EQ(sinks_schema_errors(run.json), "");
  EXPECT_EQ(read_file(dir.file("ab-ablation.png")).substr(1, 3), "PNG");
  EXPECT_NE(run.cmd.out.find("most sink-dependent heads"), std::string::npos);

  const auto model = Model::load(stories_model());
  const ModelConfig& c = model->config();
  const std::vector<int32_t> ids = stories_stream(*model, n);
  const double base = mean_nll(plain_llama_logits(*model, ids), ids, c.n_vocab);
  const auto& ab = run.json["ablation"];
  EXPECT_NEAR(ab["base_nll"].get<double>(), base, 1e-5);
  ASSERT_EQ(ab["heads"].size(), static_cast<size_t>(c.n_layer * c.n_head));
  for (const auto& d : ab["heads"]) {
    const int32_t layer = d["layer"].get<int32_t>(), head = d["head"].get<int32_t>();
    PlainProbe p;
    p.removed = [=](int32_t l, int32_t h, size_t q, size_t k) { return l == layer && h == head && q >= K && k < K; };
    const double masked = mean_nll(plain_llama_run(*model, ids, p), ids, c.n_vocab);
    EXPECT_NEAR(d["delta"].get<double>(), masked - base, 1e-5) << d.dump();
  }
  PlainProbe all;
  all.removed = [=](int32_t, int32_t, size_t q, size_t k) { return q >= K && k < K; };
  EXPECT_NEAR(ab["all_heads_delta"].get<double>(), mean_nll(plain_llama_run(*model, ids, all), ids, c.n_vocab) - base,
              1e-5);
}

}  // namespace
}  // namespace sinkstream::test
