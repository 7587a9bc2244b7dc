# sinkstream — top-level entry points. `make` builds the release binary at build/release/sinkstream.
.PHONY: all build bootstrap test test-release test-sanitize demo bench fuzz clean help

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?= -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536
SHARED ?= ../shared

all: build

help:
	@echo "make          build build/release/sinkstream"
	@echo "make test     install Debian packages, build release + sanitize presets, run every test, fuzz each parser 60 s"
	@echo "make demo     install Debian packages, build, run the main job on the default model"
	@echo "make bench    build and run the micro-benchmarks"
	@echo "make fuzz     build the libFuzzer targets with clang into build/fuzz, run each FUZZ_SECONDS (60) s"

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

fuzz: bootstrap
	cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINKSTREAM_FUZZ=ON -DSINKSTREAM_TESTS=OFF -DSINKSTREAM_BENCH=OFF
	cmake --build build/fuzz -j $(JOBS) --target gguf_fuzz safetensors_fuzz chat_template_fuzz
	@for f in gguf safetensors chat_template; do \
	  extra=""; \
	  if [ $$f = chat_template ] && [ -d $(SHARED)/chat-templates ]; then extra=$(SHARED)/chat-templates; fi; \
	  mkdir -p build/fuzz/corpus/$$f build/fuzz/artifacts/$$f && \
	  echo "fuzz: $${f}_fuzz for $(FUZZ_SECONDS) s" && \
	  build/fuzz/$${f}_fuzz -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	    -artifact_prefix=build/fuzz/artifacts/$$f/ build/fuzz/corpus/$$f fuzz/corpus/$$f $$extra || exit 1; \
	done

clean:
	rm -rf build
