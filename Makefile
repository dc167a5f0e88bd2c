# The two commands of the README. Everything else is plain CMake + ctest underneath.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
RVISOR := $(BUILD)/src/cli/rvisor

.PHONY: all deps build test run clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

run: build
	$(RVISOR) exec $(BUILD)/tests/isa/hello.elf

clean:
	rm -rf $(BUILD)
