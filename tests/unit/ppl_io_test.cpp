// Inputs and outputs of `sinkstream ppl`: NLL CSV round trip and malformed
// files, token-id files (whitespace and JSON), policy lists.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "eval/nll_csv.hpp"
#include "eval/policy_list.hpp"
#include "eval/token_ids.hpp"
#include "sinkstream/error.hpp"
#include "support/paths.hpp"

namespace sinkstream {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NllCsv, RoundTripIsExact) {
  eval::NllColumns c;
  c.policies = {"dense", "sink:4:124", "window:128"};
  c.nll = {{0.1, 1.0 / 3.0, 12.345678901234567, 0.0},
           {std::nextafter(1.0, 2.0), 1e-300, 700.25, std::numeric_limits<double>::min()},
           {3.0, 2.0, 1.0, std::numeric_limits<double>::infinity()}};
  test::TempDir dir;
  const std::string path = dir.file("nll.csv");
  eval::write_nll_csv(path, c);
  const eval::NllColumns back = eval::read_nll_csv(path);
  EXPECT_EQ(back.policies, c.policies);
  ASSERT_EQ(back.nll.size(), c.nll.size());
  for (size_t p = 0; p < c.nll.size(); ++p) {
    ASSERT_EQ(back.nll[p].size(), c.nll[p].size());
    for (size_t i = 0; i < c.nll[p].size(); ++i) EXPECT_EQ(back.nll[p][i], c.nll[p][i]) << p << "," << i;
  }
  // The layout a spreadsheet sees: header, then position 1.. and one value per policy.
  const std::string text = test::read_file(path);
  EXPECT_EQ(text.substr(0, text.find('\n')), "token,dense,sink:4:124,window:128");
  EXPECT_EQ(text.substr(text.find('\n') + 1, 6), "1,0.10");
}

TEST(NllCsv, MalformedFilesNameTheLine) {
  auto parse = [](const std::string& s) {
    std::istringstream in(s);
    return eval::read_nll_csv(in, "x.csv");
  };
  EXPECT_NE(error_of([&] { parse(""); }).find("x.csv:1"), std::string::npos);
  EXPECT_NE(error_of([&] { parse("tok,a\n1,2\n"); }).find("header"), std::string::npos);
  EXPECT_NE(error_of([&] { parse("token,a\n1,2\n2,abc\n"); }).find("x.csv:3"), std::string::npos);
  EXPECT_NE(error_of([&] { parse("token,a,b\n1,2\n"); }).find("fields"), std::string::npos);
  EXPECT_NE(error_of([&] { parse("token,a\n1,2\n3,2\n"); }).find("expected 2"), std::string::npos);
  eval::NllColumns bad{{"a,b"}, {{1.0}}};
  std::ostringstream out;
  EXPECT_THROW(eval::write_nll_csv(out, bad), Error);
}

TEST(TokenIds, WhitespaceAndJson) {
  EXPECT_EQ(eval::parse_token_ids("1 2\n3\t\t4 \n", "f", 10), (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(eval::parse_token_ids("  [1, 2,3 ,9]\n", "f", 10), (std::vector<int32_t>{1, 2, 3, 9}));
  EXPECT_TRUE(eval::parse_token_ids(" \n", "f", 10).empty());
  EXPECT_TRUE(eval::parse_token_ids("[]", "f", 10).empty());
}

TEST(TokenIds, ErrorsNameTheIdAndIndex) {
  const std::string e1 = error_of([] { eval::parse_token_ids("1 2 10", "ids.txt", 10); });
  EXPECT_NE(e1.find("ids.txt: token id 10 at index 2 is outside the vocabulary [0, 10)"), std::string::npos) << e1;
  EXPECT_NE(error_of([] { eval::parse_token_ids("-1", "f", 10); }).find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_token_ids("99999999999999999999999", "f", 10); }).find("outside"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_token_ids("1 x2", "f", 10); }).find("token 1 ('x2') is not an integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_token_ids("[1, 2.5]", "f", 10); }).find("element 1"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_token_ids("[1, 2", "f", 10); }).find("not a valid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_token_ids("[1, 11]", "f", 10); }).find("index 1"), std::string::npos);
}

TEST(PolicyList, ParsesInOrderAndRejectsBadEntries) {
  const auto ps = eval::parse_policy_list("dense,window:128,sink:4:124,recompute:128,discard:4:62");
  ASSERT_EQ(ps.size(), 5u);
  EXPECT_EQ(ps[0].name, "dense");
  EXPECT_EQ(ps[2].name, "sink");
  EXPECT_EQ(ps[2].args, (std::vector<int32_t>{4, 124}));
  EXPECT_EQ(ps[4].args, (std::vector<int32_t>{4, 62}));
  EXPECT_NE(error_of([] { eval::parse_policy_list("dense,lru:4"); }).find("unknown policy 'lru'"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_policy_list("dense,,window:4"); }).find("empty entry"), std::string::npos);
  EXPECT_NE(error_of([] { eval::parse_policy_list("window:4,window:4"); }).find("twice"), std::string::npos);
  EXPECT_THROW(eval::parse_policy_list(""), Error);
}

}  // namespace
}  // namespace sinkstream
