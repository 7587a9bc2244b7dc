// `sinkstream ppl` and `sinkstream passkey` end to end on stories260K: per-token
// NLLs of an --ids run against the naive re-rotating reference cache (docs/design.md §3)
// driven here through forward_chunk, the table and JSON against the CSV, plot
// files, and every bad input of the issue (one clear line, exit 1).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/model_access.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "model/forward.hpp"
#include "sinkstream/model.hpp"
#include "support/naive_cache.hpp"
#include "support/paths.hpp"

namespace sinkstream::test {
namespace {

std::shared_ptr<const Model> stories() {
  LoadOptions lo;
  lo.tokenizer_path = stories_tokenizer();
  return Model::load(stories_model(), lo);
}

std::vector<int32_t> shakespeare(const Model& m, size_t n) {
  std::vector<int32_t> ids =
      m.tokenizer().encode(read_file(shared_dir() + "/text/tinyshakespeare.txt").substr(0, n * 6), true);
  ids.resize(std::min(ids.size(), n));
  return ids;
}

std::string ppl_cmd(const std::string& args) {
  return binary() + " ppl -m " + stories_model() + " -z " + stories_tokenizer() + " --threads 2 " + args;
}

// The naive reference: one token at a time through the re-rotating cache; NLL
// of the next token by the definition, in long double. [ids.size() - 1]
std::vector<double> naive_nll(const Model& m, const std::string& policy, const std::vector<int32_t>& ids) {
  const ModelConfig& c = m.config();
  const auto naive_cache = make_naive_cache(c, CachePolicy::parse(policy));
  cache::KvCache& cache = *naive_cache;
  backend::cpu::CpuBackend be(2);
  model::ForwardScratch scratch(c);
  std::vector<float> logits(static_cast<size_t>(c.n_vocab));
  std::vector<double> out;
  for (size_t t = 0; t + 1 < ids.size(); ++t) {
    model::forward_chunk(c, api::ModelAccess::weights(m), cache, be, scratch, std::span<const int32_t>(&ids[t], 1), static_cast<int64_t>(t),
                  logits.data(), false);
    long double z = 0;
    for (const float l : logits) z += std::exp(static_cast<long double>(l));
    out.push_back(static_cast<double>(std::log(z) - logits[static_cast<size_t>(ids[t + 1])]));
  }
  return out;
}

// CSV written by --nll-out, parsed here: header, then "position,v1,v2,...".
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<double>> cols;  // [policy][token]
};
Csv parse_csv(const std::string& text) {
  Csv c;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) c.header.push_back(f);
  c.cols.resize(c.header.size() - 1);
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string f;
    std::getline(ls, f, ',');
    for (auto& col : c.cols) {
      std::getline(ls, f, ',');
      col.push_back(std::strtod(f.c_str(), nullptr));
    }
  }
  return c;
}

double exp_mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return std::exp(s / static_cast<double>(v.size()));
}

TEST(PplCli, IdsRunEqualsNaiveReferencePerToken) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare(*m, 600);
  ASSERT_EQ(ids.size(), 600u);
  TempDir dir;
  std::string text;
  for (const int32_t id : ids) text += std::to_string(id) + (id % 7 == 0 ? "\n" : " ");
  write_file(dir.file("ids.txt"), text);
  const auto r = run_command(ppl_cmd("--ids " + dir.file("ids.txt") +
                                     " --cache sink:4:60,window:64,discard:4:30 --bucket 100 --batch 16 --nll-out " +
                                     dir.file("nll.csv") + " --json " + dir.file("s.json")));
  ASSERT_EQ(r.status, 0) << r.err;
  const Csv csv = parse_csv(read_file(dir.file("nll.csv")));
  ASSERT_EQ(csv.header, (std::vector<std::string>{"token", "sink:4:60", "window:64", "discard:4:30"}));
  std::vector<double> overall;
  for (size_t p = 0; p < 3; ++p) {
    const auto ref = naive_nll(*m, csv.header[p + 1], ids);
    ASSERT_EQ(csv.cols[p].size(), ref.size());
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(csv.cols[p][i] - ref[i]));
    EXPECT_LE(worst, 1e-4) << csv.header[p + 1];
    overall.push_back(exp_mean(ref));
  }
  // Overall perplexities in the table and the JSON: exp(mean NLL of the reference).
  // (Parsed, not string-matched: the 4th decimal may round either way.)
  const size_t at = r.out.find("\noverall");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream row(r.out.substr(at + 8, r.out.find('\n', at + 1) - at - 8));
  for (const double o : overall) {
    double got = 0;
    ASSERT_TRUE(static_cast<bool>(row >> got)) << r.out;
    EXPECT_NEAR(got, o, 1e-4 * o + 1e-4) << r.out;
  }
  const auto j = nlohmann::json::parse(read_file(dir.file("s.json")));
  EXPECT_EQ(j["tokens"], 600);
  EXPECT_EQ(j["predicted"], 599);
  ASSERT_EQ(j["policies"].size(), 3u);
  const double best = std::min({overall[0], overall[1], overall[2]});
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(j["policies"][p]["policy"], csv.header[p + 1]);
    EXPECT_NEAR(j["policies"][p]["ppl"].get<double>(), overall[p], 1e-3 * overall[p]);
    EXPECT_NEAR(j["policies"][p]["ratio_to_best"].get<double>(), overall[p] / best, 1e-3);
    EXPECT_EQ(j["policies"][p]["buckets"].size(), 6u);  // 599 = 5 x 100 + a partial 99
    EXPECT_TRUE(j["policies"][p]["buckets"][5]["partial"].get<bool>());
    // Bucket 2 (tokens 201..300) from the reference NLLs.
    const auto ref = naive_nll(*m, csv.header[p + 1], std::vector<int32_t>(ids.begin(), ids.begin() + 301));
    const std::vector<double> b2(ref.begin() + 200, ref.begin() + 300);
    EXPECT_NEAR(j["policies"][p]["buckets"][2]["ppl"].get<double>(), exp_mean(b2), 1e-3 * exp_mean(b2));
  }
  EXPECT_NE(r.out.find("ratio to best"), std::string::npos);
  EXPECT_NE(r.out.find("tokens/s"), std::string::npos);
  EXPECT_NE(r.out.find("501-599*"), std::string::npos) << r.out;
}

TEST(PplCli, JsonIdsTextStdinAndPlots) {
  SINKSTREAM_REQUIRE_SHARED();
  const auto m = stories();
  const auto ids = shakespeare(*m, 200);
  TempDir dir;
  std::string json = "[";
  for (size_t i = 0; i < ids.size(); ++i) json += (i ? ", " : "") + std::to_string(ids[i]);
  write_file(dir.file("ids.json"), json + "]\n");
  const auto a = run_command(ppl_cmd("--ids " + dir.file("ids.json") + " --cache dense,recompute:16 --bucket 50 --batch 16" +
                                     " --plot " + dir.file("p.png") + " --plot " + dir.file("p.svg") + " --nll-out " +
                                     dir.file("a.csv")));
  ASSERT_EQ(a.status, 0) << a.err;
  const std::string png = read_file(dir.file("p.png"));
  ASSERT_GE(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(static_cast<unsigned char>(png[18]) * 256 + static_cast<unsigned char>(png[19]), 960);
  EXPECT_EQ(static_cast<unsigned char>(png[22]) * 256 + static_cast<unsigned char>(png[23]), 540);
  const std::string svg = read_file(dir.file("p.svg"));
  EXPECT_NE(svg.find("width=\"960"), std::string::npos);
  EXPECT_NE(svg.find("height=\"540"), std::string::npos);

  // The same stream as text (BOS added once by the tokenizer) through --text and
  // stdin, truncated with --tokens to the same 200 tokens: the same NLLs.
  const std::string text = read_file(shared_dir() + "/text/tinyshakespeare.txt").substr(0, 1200 * 6);
  write_file(dir.file("t.txt"), text);
  const auto b = run_command(ppl_cmd("--text " + dir.file("t.txt") + " --tokens 200 --cache dense,recompute:16" +
                                     " --bucket 50 --batch 16 --nll-out " + dir.file("b.csv")));
  ASSERT_EQ(b.status, 0) << b.err;
  const auto c = run_command("cat " + dir.file("t.txt") + " | " +
                             ppl_cmd("--tokens 200 --cache dense,recompute:16 --bucket 50 --batch 16 --nll-out " +
                                     dir.file("c.csv")));
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(read_file(dir.file("a.csv")), read_file(dir.file("b.csv")));
  EXPECT_EQ(read_file(dir.file("a.csv")), read_file(dir.file("c.csv")));
  EXPECT_NE(c.out.find("stdin"), std::string::npos);
  // Non-terminal stderr: plain progress lines.
  EXPECT_NE(b.err.find("sinkstream ppl: dense (1/2): 199/199 tokens (100.0%)"), std::string::npos) << b.err;
}

// One line on stderr, "sinkstream: error: ..." containing `what`, exit status 1.
void expect_error(const CommandResult& r, const std::string& what) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err.rfind("sinkstream: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

TEST(PplCli, BadInputsAreClearErrors) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  write_file(dir.file("empty.txt"), "  \n\n");
  write_file(dir.file("oov.txt"), "1 5 9 511 512 3");
  write_file(dir.file("words.txt"), "1 2 three");
  write_file(dir.file("ok.txt"), "1 5 9 20 30 40 50 60 70 80 90 100");
  expect_error(run_command(ppl_cmd("--text " + dir.file("empty.txt") + " --cache dense")), "the text is empty");
  expect_error(run_command("printf '' | " + ppl_cmd("--cache dense")), "stdin: the text is empty");
  // A stream shorter than one bucket shrinks the bucket (tests/e2e/hostile_cli_test.cpp); one token predicts nothing.
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache dense --bucket 5 --tokens 1")),
               "nothing to predict");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("oov.txt") + " --cache dense --bucket 2")),
               "token id 512 at index 4 is outside the vocabulary [0, 512)");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("words.txt") + " --cache dense --bucket 1")),
               "token 2 ('three') is not an integer id");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache dense,lru:64 --bucket 2")),
               "unknown policy 'lru'");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache sink:4 --bucket 2")),
               "sink takes two arguments");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache window:2000000000 --bucket 2")),
               "of physical memory");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache dense --bucket 2 --plot x.jpg")),
               "x.jpg: plot file must end in .png or .svg");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("missing.txt") + " --cache dense")), "missing.txt: cannot open");
  expect_error(run_command(ppl_cmd("--ids " + dir.file("ok.txt") + " --cache dense --bucket 2 --nll-out " +
                                   dir.file("no_dir/n.csv"))),
               "no_dir/n.csv: cannot open for writing");
  // CLI11 refuses --text with --ids and a missing --cache (its own message, non-zero).
  EXPECT_NE(run_command(ppl_cmd("--ids a --text b --cache dense")).status, 0);
  EXPECT_NE(run_command(ppl_cmd("--ids " + dir.file("ok.txt"))).status, 0);
}

TEST(PplCli, HelpDescribesEveryFlag) {
  const auto r = run_command(binary() + " ppl --help");
  ASSERT_EQ(r.status, 0);
  for (const char* flag : {"--model", "--text", "--ids", "--cache", "--tokens", "--bucket", "--batch", "--nll-out",
                           "--plot", "--json", "--tokenizer", "--threads", "stdin"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

TEST(PasskeyCli, RunsAndPrintsATableAndPlot) {
  SINKSTREAM_REQUIRE_SHARED();
  TempDir dir;
  const auto r = run_command(binary() + " passkey -m " + stories_model() + " -z " + stories_tokenizer() +
                             " --cache window:48,sink:4:44 --depths 0,1 --length 300 --trials 2 --threads 2 --plot " +
                             dir.file("k.png"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("window:48"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sink:4:44"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.00"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(dir.file("k.png")).substr(1, 3), "PNG");
  const auto bad = run_command(binary() + " passkey -m " + stories_model() + " --cache dense --length 50");
  expect_error(bad, "too short");
}

}  // namespace
}  // namespace sinkstream::test
