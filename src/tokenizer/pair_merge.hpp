// Greedy adjacent-pair merging, the loop shared by SentencePiece (score order),
// byte-level BPE (merge-rank order) and the llama2.c tokenizer: repeatedly merge
// the adjacent pair with the lowest rank, the leftmost on ties, until no
// adjacent pair can merge. O(n log n): a heap of candidate pairs with lazy
// deletion (a candidate is stale once either side has merged since it was
// pushed), which gives exactly the result of the quadratic "scan for the best
// pair, merge it, rescan" loop.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace sinkstream::tokenizer {

// What merging a pair would do: its rank (lower merges first) and the id of
// the merged symbol (whatever the caller wants to carry to `merge`).
template <class Rank>
struct PairMerge {
  Rank rank;
  int32_t result;
};

// n symbols, initially linked 0, 1, ..., n-1.
//   propose(l, r) -> std::optional<PairMerge<Rank>>: the merge of symbol r into
//                    l in their current state, or nullopt if they cannot merge;
//   apply(l, r, result): folds symbol r into l (the caller's per-symbol data).
// Returns the surviving symbols, left to right.
template <class Rank, class Propose, class Apply>
std::vector<int32_t> merge_pairs(int32_t n, Propose propose, Apply apply) {
  std::vector<int32_t> prev(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  std::vector<uint32_t> version(static_cast<size_t>(n), 0);  // bumped when the symbol changes
  std::vector<bool> alive(static_cast<size_t>(n), true);
  for (int32_t k = 0; k < n; ++k) {
    prev[static_cast<size_t>(k)] = k - 1;
    next[static_cast<size_t>(k)] = k + 1 < n ? k + 1 : -1;
  }
  struct Cand {
    Rank rank;
    int32_t left, right, result;
    uint32_t left_version, right_version;
    bool operator<(const Cand& o) const {  // std::priority_queue pops the largest: invert
      if (rank != o.rank) return o.rank < rank;
      return left > o.left;
    }
  };
  std::priority_queue<Cand> heap;
  auto push = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const std::optional<PairMerge<Rank>> m = propose(l, r);
    if (m) heap.push({m->rank, l, r, m->result, version[static_cast<size_t>(l)], version[static_cast<size_t>(r)]});
  };
  for (int32_t k = 0; k + 1 < n; ++k) push(k, k + 1);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    const auto l = static_cast<size_t>(c.left), r = static_cast<size_t>(c.right);
    if (!alive[l] || !alive[r] || next[l] != c.right || version[l] != c.left_version ||
        version[r] != c.right_version) {
      continue;
    }
    apply(c.left, c.right, c.result);
    ++version[l];
    alive[r] = false;
    next[l] = next[r];
    if (next[l] >= 0) prev[static_cast<size_t>(next[l])] = c.left;
    push(prev[l], c.left);
    push(c.left, next[l]);
  }
  std::vector<int32_t> order;
  for (int32_t k = n > 0 ? 0 : -1; k >= 0; k = next[static_cast<size_t>(k)]) order.push_back(k);
  return order;
}

}  // namespace sinkstream::tokenizer
