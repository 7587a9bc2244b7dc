// Position-encoding tables derived from the config: RoPE frequencies (with
// linear / Llama 3 scaling) and ALiBi slopes. Computed once per forward scratch.
#pragma once

#include <vector>

#include "sinkstream/model_config.hpp"

namespace sinkstream::model {

// freq[n_rot/2]: rotation angle per position of each dimension pair,
// theta^(-2i/n_rot) rescaled as c.rope_scaling says (double precision).
std::vector<double> rope_frequencies(const ModelConfig& c);

// The same for the windowed layers of a model with c.sliding_rope_theta > 0:
// base sliding_rope_theta, no scaling (Gemma 3's local layers).
std::vector<double> local_rope_frequencies(const ModelConfig& c);

// slopes[n_head] for ALiBi, MPT style: n2 = the next power of two >= n_head,
// s_j = 2^(-max_bias * (j+1) / n2) for j < n2; when n2 != n_head the heads take
// the odd-indexed slopes first, then the even-indexed, truncated to n_head.
std::vector<float> alibi_slopes(const ModelConfig& c);

}  // namespace sinkstream::model
