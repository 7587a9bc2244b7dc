# sinkstream — top-level entry points. `make` builds the release binary at build/release/sinkstream.
.PHONY: all build bootstrap test test-release test-sanitize demo bench clean help

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= ../shared

all: build

help:
	@echo "make          build build/release/sinkstream"
	@echo "make test     install Debian packages, build release + sanitize presets, run every test"
	@echo "make demo     install Debian packages, build, run the main job on the default model"
	@echo "make bench    build and run the micro-benchmarks"

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

test: test-release test-sanitize

demo: bootstrap build
	@scripts/demo build/release/sinkstream $(SHARED)

bench: bootstrap build
	@if [ -x build/release/sinkstream_bench ]; then build/release/sinkstream_bench; else echo "no micro-benchmarks built"; fi

clean:
	rm -rf build
