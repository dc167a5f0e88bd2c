// --engine and --check, which `rvisor run` and `rvisor exec` both take.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "machine/vm_config.hpp"

namespace rvisor::cli {

// Adds --engine (interp | jit) and --check to `cmd`, filling `engine` and `check_jit`.
void add_engine_options(CLI::App& cmd, std::string& engine, bool& check_jit);

// The engine `name` (a value --engine accepted) selects, or `fallback` when it is empty.
machine::Engine engine_from(const std::string& name, machine::Engine fallback);

}  // namespace rvisor::cli
