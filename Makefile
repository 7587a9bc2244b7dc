# sinkstream — top-level entry points. `make` builds the release binary at build/release/sinkstream.
.PHONY: all build bootstrap test test-release test-sanitize demo bench fuzz fuzz-build fuzz-check-shared fuzz-long clean help

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20
FUZZ_RUNS_LONG ?= 10000000
FUZZ_FLAGS ?= -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536
# One libFuzzer target per parser of untrusted input (fuzz/<name>_fuzz.cpp).
FUZZERS := gguf safetensors tokenizer_json hf_config llama2c llama2c_tokenizer state policy chat_template token_ids http_body conversation_json
# Real files from ../shared as extra read-only seed directories (never copied).
FUZZ_SHARED_SEEDS_gguf = $(SHARED)/vocab
FUZZ_SHARED_SEEDS_llama2c_tokenizer = $(SHARED)/models/stories260K
FUZZ_SHARED_SEEDS_chat_template = $(SHARED)/chat-templates
# Real files in the repository as extra read-only seed directories: the HF
# fixture folders hold model.safetensors files written by HF's safetensors.
FUZZ_REPO_SEEDS_safetensors = $(sort $(dir $(wildcard tests/fixtures/hf/*/model.safetensors)))
SHARED ?= ../shared

all: build

help:
	@echo "make          build build/release/sinkstream"
	@echo "make test     install Debian packages, build release + sanitize presets, run every test, run each fuzz target (FUZZERS) 20 s"
	@echo "make demo     install Debian packages, build, run the main job on the default model"
	@echo "make bench    build and run the micro-benchmarks"
	@echo "make fuzz     build the libFuzzer targets with clang into build/fuzz, run each FUZZ_SECONDS (20) s"
	@echo "make fuzz-long  run each fuzz target to FUZZ_RUNS_LONG (10M) executions; logs in build/fuzz/long/"

bootstrap:
	@scripts/bootstrap

build/release/build.ninja:
	cmake --preset release

build: build/release/build.ninja
	cmake --build --preset release -j $(JOBS)

build/sanitize/build.ninja:
	cmake --preset sanitize

test-release: bootstrap
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	ctest --preset release

test-sanitize: bootstrap
	cmake --preset sanitize
	cmake --build --preset sanitize -j $(JOBS)
	ctest --preset sanitize

test: test-release test-sanitize fuzz

demo: bootstrap build
	@scripts/demo build/release/sinkstream $(SHARED)

bench: bootstrap build
	@if [ -x build/release/sinkstream_bench ]; then build/release/sinkstream_bench; else echo "no micro-benchmarks built"; fi

fuzz-build: bootstrap
	cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINKSTREAM_FUZZ=ON -DSINKSTREAM_TESTS=OFF -DSINKSTREAM_BENCH=OFF
	cmake --build build/fuzz -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZERS))

# $(call fuzz_dirs,NAME): the target's corpus (written), its committed seeds, real
# files from the repository (FUZZ_REPO_SEEDS_NAME), and
# its ../shared seeds when present (absent under SINKSTREAM_REQUIRE_SHARED=1: error).
fuzz_dirs = build/fuzz/corpus/$(1) $(wildcard fuzz/corpus/$(1) $(FUZZ_REPO_SEEDS_$(1)) $(FUZZ_SHARED_SEEDS_$(1)))

fuzz-check-shared:
	@for d in $(foreach f,$(FUZZERS),$(FUZZ_SHARED_SEEDS_$(f))); do \
	  if [ ! -d $$d ]; then \
	    if [ "$${SINKSTREAM_REQUIRE_SHARED:-0}" = 1 ]; then echo "fuzz: $$d is absent (SINKSTREAM_REQUIRE_SHARED=1)"; exit 1; fi; \
	    echo "fuzz: $$d is absent, fuzzing without those seeds"; \
	  fi; \
	done

fuzz: fuzz-build fuzz-check-shared
	@for f in $(FUZZERS); do \
	  mkdir -p build/fuzz/corpus/$$f build/fuzz/artifacts/$$f || exit 1; \
	done
	@set -e; $(foreach f,$(FUZZERS),echo "fuzz: $(f)_fuzz for $(FUZZ_SECONDS) s"; \
	  build/fuzz/$(f)_fuzz -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$(f)/ $(call fuzz_dirs,$(f)) \
	    2>build/fuzz/$(f).log || { tail -n 40 build/fuzz/$(f).log; exit 1; }; \
	  grep -a -E '^#[0-9]+[[:space:]]+DONE' build/fuzz/$(f).log | tail -n 1;)

# Each target to FUZZ_RUNS_LONG executions (hours on a small machine; `make -j N
# fuzz-long` runs N targets at once). The last lines of each log (executions,
# cov, ft, stats) are what docs/reliability.md reports.
fuzz-long: $(addprefix fuzz-long-,$(FUZZERS))
	@for f in $(FUZZERS); do echo "$$f: $$(grep -a -E '^#[0-9]+' build/fuzz/long/$$f.log | tail -n 1)"; done

fuzz-long-%: fuzz-build fuzz-check-shared
	@mkdir -p build/fuzz/long build/fuzz/corpus/$* build/fuzz/artifacts/$*
	@echo "fuzz-long: $*_fuzz to $(FUZZ_RUNS_LONG) runs (log: build/fuzz/long/$*.log)"
	@build/fuzz/$*_fuzz -runs=$(FUZZ_RUNS_LONG) $(FUZZ_FLAGS) -print_final_stats=1 \
	  -artifact_prefix=build/fuzz/artifacts/$*/ $(call fuzz_dirs,$*) \
	  2>build/fuzz/long/$*.log || { tail -n 40 build/fuzz/long/$*.log; exit 1; }

clean:
	rm -rf build
