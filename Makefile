# The README's commands. `make run` and `make test` work on a fresh Debian 12 machine:
# each installs what is missing (scripts/setup.sh), builds, then runs.
PRESET ?= release
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PORT ?= 8080
# The fuzz preset's binaryDir (CMakePresets.json).
FUZZ_DIR = build-fuzz

.PHONY: all deps configure build fuzzers run test bench format clean

all: build

deps:
	@./scripts/setup.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset $(PRESET) -DBRRT_WERROR=ON

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The libFuzzer targets (clang 14 with AddressSanitizer: a second build tree).
fuzzers: deps
	@test -f $(FUZZ_DIR)/build.ninja || cmake --preset fuzz
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzzers

run: build
	./$(BUILD_DIR)/bin/brrtrouter serve examples/pet_store/openapi.yaml --config examples/pet_store/config.yaml --port $(PORT)

test: build fuzzers
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600
	ctest --test-dir $(FUZZ_DIR) --output-on-failure -j $(JOBS) --timeout 600

bench: build
	./$(BUILD_DIR)/bin/bench-router
	./$(BUILD_DIR)/bin/bench-schema

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
