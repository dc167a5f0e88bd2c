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
// `rvisor create|ls|start|stop|pause|resume|rm|console|snapshot|restore|stats`: the client
// of the manager daemon rvisord (client_command.cpp).
void add_client_commands(CLI::App& app, int& exit_code);
// `rvisor switch NAME`: serves a multi-process virtual Ethernet switch.
void add_switch_command(CLI::App& app, int& exit_code);

// For `--net switch:NAME`: unless a switch server answers at NAME's socket, starts
// `rvisor switch NAME --idle-exit 30` as a daemon and waits up to 3 s for it to answer.
// Throws std::invalid_argument for a bad name, std::runtime_error (one line) otherwise.
void ensure_switch_server(const std::string& name);

}  // namespace rvisor::cli
