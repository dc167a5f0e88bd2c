// Loads a statically linked RISC-V ELF executable into guest RAM for bare-metal runs (test
// programs, firmware). Every check happens before the first byte is written, so a rejected file
// leaves RAM untouched.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "base/types.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::machine {

// A file that cannot be loaded. what() is one line, "<path>: <reason>", fit for the user.
class ElfError : public std::runtime_error {
  public:
    ElfError(const std::filesystem::path& path, const std::string& reason)
        : std::runtime_error(path.string() + ": " + reason) {}
};

// All addresses are guest-physical. Segments are placed at p_paddr (the harts start with
// translation off); `entry` and the symbols are link-time (virtual) addresses translated through
// the segment that holds them, so they equal e_entry / st_value whenever p_vaddr == p_paddr,
// the usual bare-metal case.
struct LoadedElf {
    u64 entry;
    std::optional<u64> tohost;  // HTIF words, when .symtab defines them
    std::optional<u64> fromhost;
    u64 lowest;   // first loaded byte
    u64 highest;  // one past the last loaded byte (exclusive end, including .bss)
};

// Accepts ELFCLASS64, little-endian, EM_RISCV, ET_EXEC files with at least one non-empty
// PT_LOAD segment lying wholly inside `ram` and an entry point inside one of them. Copies each
// segment's file bytes and zero-fills the rest up to p_memsz. Throws ElfError otherwise.
LoadedElf load_elf(const std::filesystem::path& path, mem::GuestRam& ram);

}  // namespace rvisor::machine
