// rvisor: a RISC-V 64-bit virtual machine monitor. This file only dispatches subcommands.
#include <cstdio>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"rvisor: run RISC-V 64-bit virtual machines on any x86-64 Linux host"};
    app.require_subcommand(1);
    int exit_code = 0;
    rvisor::cli::add_run_command(app, exit_code);
    rvisor::cli::add_exec_command(app, exit_code);
    rvisor::cli::add_disasm_command(app, exit_code);
    rvisor::cli::add_img_command(app, exit_code);
    rvisor::cli::add_client_commands(app, exit_code);
    rvisor::cli::add_switch_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line naming what is wrong, exit code 2.
        std::fprintf(stderr, "rvisor: %s\n", e.what());
        return rvisor::cli::kExitBadInput;
    }
    return exit_code;
}
