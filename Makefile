# The two commands of the README. Everything else is plain CMake + ctest underneath.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
RVISOR := $(BUILD)/src/cli/rvisor

.PHONY: all deps build guest test run demo clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The default Linux guest (kernel + initramfs from Debian's riscv64 packages), cached outside
# the build tree; scripts/fetch-guest prints where.
guest: deps
	@scripts/fetch-guest >/dev/null

test: build guest
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Boots the default guest to a shell on this terminal (Ctrl-A X quits).
run: build guest
	$(RVISOR) run

# The bare-metal hello-world program on `rvisor exec`.
demo: build
	$(RVISOR) exec $(BUILD)/tests/isa/hello.elf

clean:
	rm -rf $(BUILD)
