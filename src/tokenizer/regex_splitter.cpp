#include "tokenizer/regex_splitter.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sinkstream/error.hpp"
#include "tokenizer/utf8.hpp"

namespace sinkstream::tokenizer {

struct RegexSplitter::Code {
  pcre2_code* code = nullptr;
  std::string pattern;
  ~Code() { pcre2_code_free(code); }
};

namespace {

std::string pcre2_message(int rc) {
  PCRE2_UCHAR buf[256];
  const int n = pcre2_get_error_message(rc, buf, sizeof(buf));
  return n < 0 ? "PCRE2 error " + std::to_string(rc) : std::string(reinterpret_cast<const char*>(buf));
}

struct MatchData {
  explicit MatchData(const pcre2_code* code) : md(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (md == nullptr) throw std::bad_alloc();
  }
  ~MatchData() { pcre2_match_data_free(md); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
  pcre2_match_data* md;
};

}  // namespace

RegexSplitter::RegexSplitter(const std::vector<std::string>& patterns, const std::string& what) : what_(what) {
  for (const std::string& p : patterns) {
    auto c = std::make_unique<Code>();
    c->pattern = p;
    int err = 0;
    PCRE2_SIZE off = 0;
    c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                            PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, nullptr);
    if (c->code == nullptr) {
      throw Error(ErrorKind::kFormat, what + ": pre-tokenizer regex /" + p + "/ does not compile at offset " +
                                          std::to_string(off) + ": " + pcre2_message(err));
    }
    (void)pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when unavailable
    codes_.push_back(std::move(c));
  }
}

RegexSplitter::~RegexSplitter() = default;

std::vector<std::pair<size_t, size_t>> RegexSplitter::split(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> frags;
  if (text.empty()) return frags;
  frags.emplace_back(0, text.size());
  std::vector<std::pair<size_t, size_t>> next;
  for (const auto& c : codes_) {
    MatchData m(c->code);
    next.clear();
    next.reserve(frags.size() * 2);
    for (const auto& [fb, fe] : frags) {
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data() + fb);
      const size_t len = fe - fb;
      size_t pos = 0;   // search start inside the fragment
      size_t kept = 0;  // end of what has been emitted
      while (pos < len) {
        int rc = pcre2_match(c->code, subject, len, pos, 0, m.md, nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = pcre2_match(c->code, subject, len, pos, PCRE2_NO_JIT, m.md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
          throw Error(ErrorKind::kRange, what_ + ": pre-tokenizer regex /" + c->pattern + "/ failed on a " +
                                             std::to_string(len) + "-byte fragment: " + pcre2_message(rc));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m.md);
        const size_t ms = ov[0], me = ov[1];
        if (me == ms) {  // empty match: not a split point; step one character
          size_t step = ms;
          utf8_decode(std::string_view(text.data() + fb, len), step);
          pos = step;
          continue;
        }
        if (ms > kept) next.emplace_back(fb + kept, fb + ms);
        next.emplace_back(fb + ms, fb + me);
        kept = pos = me;
      }
      if (kept < len) next.emplace_back(fb + kept, fe);
    }
    frags.swap(next);
  }
  return frags;
}

}  // namespace sinkstream::tokenizer
