# sipmob: the commands a user types. CMake does the building; this file only
# names the jobs. `make demo` and `make check` install missing Debian packages
# first (scripts/install-deps is quiet when nothing is missing). `make demo
# SCREEN=1` shows the wall display's video in a window ($DISPLAY).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local
FUZZ_SECONDS       ?= 600
FUZZ_SMOKE_SECONDS ?= 10
CTEST_FLAGS ?= --output-on-failure -j2

.PHONY: all deps build demo check check-asan bench fuzz fuzz-build fuzz-smoke install clean

all: build

deps:
	@./scripts/install-deps

# On a bare machine plain `make` says what to do instead of failing in CMake.
$(BUILD)/CMakeCache.txt:
	@command -v cmake >/dev/null && pkg-config --exists libre spandsp opus \
		libavcodec libavformat libavdevice sdl2 2>/dev/null || { echo "sipmob: build tools or libraries\
	 are missing: run 'make deps' as root (make demo and make check run it\
	 for you)"; exit 1; }
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	./scripts/demo.sh $(BUILD) $(if $(SCREEN),--screen)

# Fuzz smoke first, so that ctest's summary is the last thing printed.
check: deps build fuzz-smoke
	cd $(BUILD) && ctest $(CTEST_FLAGS)

# Every test under ASan + UBSan, the fuzz corpus replays included.
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSIPMOB_SANITIZE=ON -DBUILD_TESTING=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		ctest $(CTEST_FLAGS)

bench: deps build
	./bench/run.sh $(BUILD)

$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DSIPMOB_FUZZ=ON -DBUILD_TESTING=ON

fuzz-build: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

# Brief libFuzzer runs of every harness (part of `make check`).
fuzz-smoke: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# Longer runs; new interesting inputs go to $(FUZZ_BUILD)/fuzz-corpus/.
fuzz: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) demo-out
