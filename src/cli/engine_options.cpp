#include "engine_options.hpp"

namespace rvisor::cli {

void add_engine_options(CLI::App& cmd, std::string& engine, bool& check_jit) {
    cmd.add_option("--engine", engine,
                   "execution engine: jit (x86-64 JIT for hot blocks, the interpreter for the "
                   "rest; the default on x86-64) or interp (the interpreter alone)")
        ->check(CLI::IsMember({"interp", "jit"}));
    cmd.add_flag("--check", check_jit,
                 "with --engine jit: run every compiled block in the interpreter too and stop "
                 "(exit 99) at the first difference");
}

machine::Engine engine_from(const std::string& name, machine::Engine fallback) {
    if (name.empty()) return fallback;
    return name == "jit" ? machine::Engine::Jit : machine::Engine::Interpreter;
}

}  // namespace rvisor::cli
