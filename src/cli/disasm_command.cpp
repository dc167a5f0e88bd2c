// `rvisor disasm`: prints the assembly of instruction encodings given in hex.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"

namespace rvisor::cli {

namespace {

int run_disasm(const std::vector<std::string>& words, u64 address) {
    u64 pc = address;
    for (const std::string& w : words) {
        std::size_t end = 0;
        unsigned long long v = 0;
        try {
            v = std::stoull(w, &end, 16);
        } catch (const std::exception&) {
            end = 0;
        }
        if (end != w.size() || v > 0xffff'ffffULL) {
            std::fprintf(stderr, "rvisor disasm: '%s' is not a 16- or 32-bit hex encoding\n",
                         w.c_str());
            return kExitBadInput;
        }
        const isa::DecodedInsn insn = isa::decode(static_cast<u32>(v));
        std::printf("%016llx: %0*llx  %s\n", static_cast<unsigned long long>(pc), insn.len * 2,
                    static_cast<unsigned long long>(insn.raw), isa::disassemble(insn, pc).c_str());
        pc += insn.len;
    }
    return 0;
}

}  // namespace

void add_disasm_command(CLI::App& app, int& exit_code) {
    auto words = std::make_shared<std::vector<std::string>>();
    auto address = std::make_shared<u64>(0x8000'0000);
    CLI::App* cmd = app.add_subcommand(
        "disasm", "Disassemble RISC-V instruction encodings given in hex (e.g. 00a50533 4505)");
    cmd->add_option("encodings", *words, "16- or 32-bit encodings in hex")->required();
    cmd->add_option("--address", *address, "address of the first instruction (for targets)");
    cmd->callback([words, address, &exit_code] { exit_code = run_disasm(*words, *address); });
}

}  // namespace rvisor::cli
