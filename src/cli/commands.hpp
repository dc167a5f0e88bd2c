// The subcommands of `rvisor`. Each registers its options on the app and returns the exit
// code through the callback it installs. Exit code 2 always means bad user input.
#pragma once

#include <CLI/CLI.hpp>

namespace rvisor::cli {

inline constexpr int kExitBadInput = 2;

// `rvisor exec PROGRAM.elf`: runs a bare-metal RISC-V program on one hart.
void add_exec_command(CLI::App& app, int& exit_code);
// `rvisor run`: boots a virt-board VM.
void add_run_command(CLI::App& app, int& exit_code);
// `rvisor disasm WORD...`: disassembles instruction encodings.
void add_disasm_command(CLI::App& app, int& exit_code);
// `rvisor img create|info|check|convert`: disk image tools (raw, qcow2).
void add_img_command(CLI::App& app, int& exit_code);

}  // namespace rvisor::cli
