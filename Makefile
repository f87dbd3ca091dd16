# The README's commands. `make run` and `make test` work on a fresh Debian 12 machine:
# each installs what is missing (scripts/setup.sh), builds, then runs.
PRESET ?= release
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PORT ?= 8080

.PHONY: all deps configure build run test bench format clean

all: build

deps:
	@./scripts/setup.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset $(PRESET) -DBRRT_WERROR=ON

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/bin/brrtrouter serve examples/pet_store/openapi.yaml --config examples/pet_store/config.yaml --port $(PORT)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

bench: build
	./$(BUILD_DIR)/bin/bench-router
	./$(BUILD_DIR)/bin/bench-schema

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR)
