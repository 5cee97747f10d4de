# SPDX-License-Identifier: MIT
# A thin wrapper over CMake: the real build is CMakeLists.txt and one per folder.
# make builds; make run and make check first install the Debian packages they need
# (scripts/install-deps.sh), make deps only installs them.
BUILD      ?= build
BUILD_LIB  ?= build-lib
BUILD_ARM  ?= build-aarch64
BUILD_SAN  ?= build-sanitize
BUILD_CLANG ?= build-clang
BUILD_TSAN ?= build-tsan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps format run check check-lib check-long check-neon check-clang sanitize tsan install clean bench

# The library, the leaky program and the tests. Installs nothing: make deps does.
all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

# The Debian packages to build and to test (elsewhere: the list, to install by hand).
deps:
	@scripts/install-deps.sh build check

# Rewrites the C sources in the house style (.clang-format; make check checks it).
format:
	scripts/format.sh

# The main job: the walkthrough of the function.
run:
	@scripts/install-deps.sh build
	$(MAKE) all
	$(BUILD)/leaky demo

# Every test that fits in a few minutes: native paths, NEON under qemu, then the library
# alone. The test packages go in before CMake runs: it looks for clang (the fuzzer), Debian's
# python3, and Python's headers and NumPy (the Python module, whose pytest tests run here).
check:
	@scripts/install-deps.sh build check
	$(MAKE) all
	ctest --test-dir $(BUILD) -LE long --output-on-failure -j $(JOBS)
	$(MAKE) check-neon
	$(MAKE) check-lib

# The long tier as well (more slopes over all 2^32 inputs, the fuzzers).
check-long: check
	ctest --test-dir $(BUILD) -L long --output-on-failure -j $(JOBS)

# The AArch64 build (library and its tests only) run under qemu-aarch64.
check-neon:
	cmake -S . -B $(BUILD_ARM) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DLEAKY_BUILD_CLI=OFF
	cmake --build $(BUILD_ARM) -j $(JOBS)
	ctest --test-dir $(BUILD_ARM) -L neon --output-on-failure -j $(JOBS)

# The library alone, as a system with only a C compiler and CMake builds it, and its quick
# tests; among them library_only, which fails if the configuration looked up any package
# of the program or the benchmarks. A fresh cache each time, so that no stale entry hides
# or fakes a lookup (the objects stay: the build is incremental).
check-lib:
	rm -f $(BUILD_LIB)/CMakeCache.txt
	cmake -S . -B $(BUILD_LIB) -DCMAKE_BUILD_TYPE=Release -DLEAKY_BUILD_CLI=OFF
	cmake --build $(BUILD_LIB) -j $(JOBS)
	ctest --test-dir $(BUILD_LIB) -L quick --output-on-failure -j $(JOBS)

# The library and its quick tests built by clang, optimised: clang rewrites floating-point
# code differently from gcc (it once turned a backward's pass-through into a multiply).
check-clang:
	@scripts/install-deps.sh build check
	CC=clang cmake -S . -B $(BUILD_CLANG) -DCMAKE_BUILD_TYPE=Release -DLEAKY_BUILD_CLI=OFF
	cmake --build $(BUILD_CLANG) -j $(JOBS)
	ctest --test-dir $(BUILD_CLANG) -L quick --output-on-failure -j $(JOBS)

# The quick tests under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize:
	@scripts/install-deps.sh build check
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DLEAKY_SANITIZE=ON
	cmake --build $(BUILD_SAN) -j $(JOBS)
	ctest --test-dir $(BUILD_SAN) -L quick --output-on-failure -j $(JOBS)

# leaky against memcpy, a non-temporal copy, XNNPACK, oneDNN, PyTorch and numpy in one
# run (the peers come from Debian): prints the table and each speed target met or missed,
# writes $(BENCH_OUT)/bench.csv and bench.png. Never part of check: timings on a shared
# machine are noisy. BENCH_ARGS passes options (see build/bench/leaky-bench-peers --help).
BENCH_OUT  ?= $(BUILD)
BENCH_ARGS ?=
bench:
	@scripts/install-deps.sh build bench
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS) --target leaky-bench-peers
	mkdir -p $(BENCH_OUT)
	$(BUILD)/bench/leaky-bench-peers --csv $(BENCH_OUT)/bench.csv --chart $(BENCH_OUT)/bench.png \
	  $(BENCH_ARGS)

# The tests of threads called from several threads at once (label tsan: the pool with
# several callers, its setters and shutdown while other threads call) under
# ThreadSanitizer.
tsan:
	@scripts/install-deps.sh build check
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEAKY_SANITIZE_THREAD=ON \
	  -DLEAKY_BUILD_CLI=OFF
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target test_pool_life test_parallel
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir $(BUILD_TSAN) -L tsan --output-on-failure \
	  -j $(JOBS)

PREFIX ?= /usr/local
install: all
	cmake --install $(BUILD) --prefix $(PREFIX)
	@# A system prefix's library directory is in ld.so's cache: refresh it (as root).
	@case "$(PREFIX)" in /usr|/usr/local) \
	  if [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; \
	  else echo "make install: run ldconfig as root to refresh the library cache"; fi;; \
	esac

clean:
	rm -rf $(BUILD) $(BUILD_LIB) $(BUILD_ARM) $(BUILD_SAN) $(BUILD_CLANG) $(BUILD_TSAN)
