# The two commands of the README. Everything else is plain CMake + ctest underneath.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
RVISOR := $(BUILD)/src/cli/rvisor

.PHONY: all deps build guest test run demo tsan clean

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

# The multi-hart tests (ctest label smp) under ThreadSanitizer, in their own build tree. Any
# TSan report fails the run (halt_on_error), so a race shows as a failing case. The 20-run
# isa.smp_counters_repeat is left out: under TSan it takes about 4 minutes.
TSAN_BUILD ?= build-tsan
tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_CXX_FLAGS=-fsanitize=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target rvisor isa_programs
	@cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" \
		ctest -L smp -E _repeat --output-on-failure

clean:
	rm -rf $(BUILD) $(TSAN_BUILD)
