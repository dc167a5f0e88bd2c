// `rvisor exec`: the fast path for bare-metal programs (test suites, benchmarks, demos).
#include <chrono>
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "engine_options.hpp"
#include "machine/bare_metal_machine.hpp"
#include "size_arg.hpp"

namespace rvisor::cli {

namespace {

struct ExecOptions {
    std::string program;
    u64 max_instructions = 0;
    double timeout_seconds = 0;
    std::string memory = "128M";
    unsigned cpus = 1;
    bool stats = false;
    std::string engine;  // interp | jit; empty: the default engine
    bool check_jit = false;
    u32 jit_threshold = cpu::Hart::kHotThreshold;
};

int run_exec(const ExecOptions& o) {
    machine::BareMetalConfig config;
    if (auto size = parse_size(o.memory)) {
        config.ram_size = *size;
    } else {
        std::fprintf(stderr, "rvisor exec: --memory: '%s' is not a size (e.g. 128M, 1G)\n",
                     o.memory.c_str());
        return kExitBadInput;
    }
    config.harts = o.cpus;
    config.engine = engine_from(o.engine, config.engine);
    if (o.check_jit && config.engine != machine::Engine::Jit) {
        std::fprintf(stderr, "rvisor exec: --check needs --engine jit\n");
        return kExitBadInput;
    }
    if (o.check_jit && o.cpus > 1) {
        // Other harts would change memory between a block's compiled run and its replay.
        std::fprintf(stderr, "rvisor exec: --check needs a single hart (--cpus 1)\n");
        return kExitBadInput;
    }
    config.check_jit = o.check_jit;
    config.jit_threshold = o.jit_threshold;
    if (o.max_instructions) config.max_instructions = o.max_instructions;
    if (o.timeout_seconds > 0)
        config.timeout = std::chrono::milliseconds(static_cast<i64>(o.timeout_seconds * 1000));

    try {
        machine::BareMetalMachine vm(config);
        vm.load(o.program);
        const auto start = std::chrono::steady_clock::now();
        const machine::ExitStatus status = vm.run();
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fflush(stdout);
        if (o.stats) {
            std::fprintf(stderr, "rvisor exec: %llu instructions in %.3f s (%.1f MIPS)\n",
                         static_cast<unsigned long long>(status.instructions), secs,
                         secs > 0 ? status.instructions / secs / 1e6 : 0.0);
        }
        using K = machine::ExitStatus::Kind;
        switch (status.kind) {
            case K::Pass: return 0;
            case K::Fail: {
                std::fprintf(stderr, "rvisor exec: %s: %s\n", o.program.c_str(),
                             status.message().c_str());
                const int code = static_cast<int>(status.code & 0xff);
                return code == 0 ? 1 : code;
            }
            case K::Reset:
            case K::HtifUnsupported:
                std::fprintf(stderr, "rvisor exec: %s: %s\n", o.program.c_str(),
                             status.message().c_str());
                return 3;
            case K::InstructionLimit:
            case K::Timeout:
                std::fprintf(stderr, "rvisor exec: %s: %s\n", o.program.c_str(),
                             status.message().c_str());
                return 124;
        }
        return 1;
    } catch (const machine::ElfError& e) {
        std::fprintf(stderr, "rvisor exec: %s\n", e.what());
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisor exec: %s: %s\n", o.program.c_str(), e.what());
        return kExitBadInput;
    }
}

}  // namespace

void add_exec_command(CLI::App& app, int& exit_code) {
    auto opts = std::make_shared<ExecOptions>();
    CLI::App* cmd = app.add_subcommand(
        "exec",
        "Run a bare-metal RISC-V ELF on one or more harts (all start at the entry with a0 = "
        "hartid). Exit code: 0 when the guest passes (test "
        "device 0x5555 or HTIF tohost=1), the guest's code when it fails, 2 for bad input, 3 "
        "for a reset or unsupported HTIF request, 124 when a limit stops it.");
    cmd->add_option("program", opts->program, "RISC-V ELF executable")->required();
    cmd->add_option("--cpus", opts->cpus,
                    "number of harts, 1-64 (default 1); each runs on its own host thread")
        ->check(CLI::Range(1, static_cast<int>(machine::BareMetalConfig::kMaxHarts)));
    cmd->add_option("--max-instructions", opts->max_instructions,
                    "stop after hart 0 retired this many instructions");
    cmd->add_option("--timeout", opts->timeout_seconds, "stop after this many seconds")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--memory", opts->memory, "guest RAM size (default 128M)");
    cmd->add_flag("--stats", opts->stats, "print instructions retired and MIPS to stderr");
    add_engine_options(*cmd, opts->engine, opts->check_jit);
    cmd->add_option("--jit-threshold", opts->jit_threshold,
                    "with --engine jit: compile a block once it ran this many times (default "
                    "16; 1 compiles every block, for testing)")
        ->check(CLI::Range(1, 1 << 30));
    cmd->callback([opts, &exit_code] { exit_code = run_exec(*opts); });
}

}  // namespace rvisor::cli
