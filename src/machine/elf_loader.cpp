#include "machine/elf_loader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>
#include <vector>

namespace rvisor::machine {

namespace {

std::string hex(u64 v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

// "0xA-0xB", both ends inclusive so a range reaching the top of the address space prints.
// The caller guarantees size > 0 and no wrap-around.
std::string span_text(u64 start, u64 size) {
    return hex(start) + "-" + hex(start + (size - 1));
}

std::string errno_text(int err) {
    return std::error_code(err, std::generic_category()).message();
}

// True when [off, off+len) lies inside a file of `size` bytes; overflow-safe.
bool fits(u64 size, u64 off, u64 len) {
    return off <= size && len <= size - off;
}

// The file image is plain bytes with no alignment promise; copy structures out of it.
template <typename T>
T load(const std::vector<u8>& data, u64 off) {
    T t;
    std::memcpy(&t, data.data() + off, sizeof t);
    return t;
}

std::vector<u8> read_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ElfError(path, "cannot open: " + errno_text(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) != 0) throw ElfError(path, "cannot stat: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) throw ElfError(path, "is not a regular file");

    std::vector<u8> data(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw ElfError(path, "cannot read: " + errno_text(errno));
        }
        if (n == 0) break;  // shrank under us: validate what is there
        done += static_cast<std::size_t>(n);
    }
    data.resize(done);
    return data;
}

// Named after the ELF header's e_machine, for "is an x86-64 ELF, not RISC-V".
std::string machine_phrase(u16 machine) {
    switch (machine) {
        case EM_X86_64: return "an x86-64 ELF";
        case EM_386: return "an x86 (i386) ELF";
        case EM_AARCH64: return "an AArch64 ELF";
        case EM_ARM: return "an ARM ELF";
        case EM_PPC64: return "a PowerPC64 ELF";
        case EM_PPC: return "a PowerPC ELF";
        case EM_S390: return "an s390 ELF";
        case EM_MIPS: return "a MIPS ELF";
        case EM_SPARCV9: return "a SPARC V9 ELF";
        case 258: return "a LoongArch ELF";  // EM_LOONGARCH, missing from older <elf.h>
        case EM_NONE: return "an ELF with no machine type (EM_NONE)";
        default: return "an ELF for machine " + std::to_string(machine);
    }
}

std::string type_reason(u16 type) {
    switch (type) {
        case ET_DYN:
            return "is a position-independent (ET_DYN) ELF; only statically linked executables "
                   "(ET_EXEC) can be loaded";
        case ET_REL: return "is a relocatable object (ET_REL), not a linked executable";
        case ET_CORE: return "is a core dump (ET_CORE), not an executable";
        default: return "has ELF type " + std::to_string(type) + ", not an executable (ET_EXEC)";
    }
}

struct Segment {
    u64 offset;
    u64 filesz;
    u64 vaddr;
    u64 paddr;
    u64 memsz;
};

struct Symbols {
    std::optional<u64> tohost;
    std::optional<u64> fromhost;
};

// Looks up `tohost` and `fromhost` in .symtab. Symbols are optional extras (HTIF), so any
// inconsistency in the section table just means "no symbols": never an error, never a read
// outside the file.
Symbols find_symbols(const std::vector<u8>& data, const Elf64_Ehdr& eh) {
    Symbols out;
    const u64 size = data.size();
    // e_shnum == 0 with a section table means extended numbering; not worth supporting here.
    if (eh.e_shoff == 0 || eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr)) return out;
    if (!fits(size, eh.e_shoff, u64{eh.e_shnum} * sizeof(Elf64_Shdr))) return out;
    const auto section = [&](u64 i) {
        return load<Elf64_Shdr>(data, eh.e_shoff + i * sizeof(Elf64_Shdr));
    };

    for (u64 i = 0; i < eh.e_shnum; ++i) {
        const Elf64_Shdr symtab = section(i);
        if (symtab.sh_type != SHT_SYMTAB || symtab.sh_entsize != sizeof(Elf64_Sym)) continue;
        if (symtab.sh_link >= eh.e_shnum) continue;
        const Elf64_Shdr strtab = section(symtab.sh_link);
        if (strtab.sh_type != SHT_STRTAB) continue;
        if (!fits(size, symtab.sh_offset, symtab.sh_size) ||
            !fits(size, strtab.sh_offset, strtab.sh_size))
            continue;

        const u64 count = symtab.sh_size / sizeof(Elf64_Sym);
        for (u64 j = 0; j < count; ++j) {
            const auto sym = load<Elf64_Sym>(data, symtab.sh_offset + j * sizeof(Elf64_Sym));
            if (sym.st_shndx == SHN_UNDEF || sym.st_name >= strtab.sh_size) continue;
            const char* name =
                reinterpret_cast<const char*>(data.data()) + strtab.sh_offset + sym.st_name;
            const void* nul = std::memchr(name, 0, strtab.sh_size - sym.st_name);
            if (!nul) continue;  // unterminated name at the end of the table
            const std::string_view n(name, static_cast<const char*>(nul) - name);
            if (n == "tohost" && !out.tohost) out.tohost = sym.st_value;
            if (n == "fromhost" && !out.fromhost) out.fromhost = sym.st_value;
        }
    }
    return out;
}

}  // namespace

LoadedElf load_elf(const std::filesystem::path& path, mem::GuestRam& ram) {
    const std::vector<u8> data = read_file(path);
    const u64 size = data.size();

    // --- Identification (ELF spec, "ELF Identification"), most telling reason first.
    if (size == 0) throw ElfError(path, "is empty");
    if (std::memcmp(data.data(), ELFMAG, std::min<u64>(size, SELFMAG)) != 0)
        throw ElfError(path, "is not an ELF file (bad magic)");
    if (size < EI_NIDENT)
        throw ElfError(
            path, "is truncated: " + std::to_string(size) + " bytes, too short for an ELF header");
    if (data[EI_CLASS] == ELFCLASS32) throw ElfError(path, "is a 32-bit ELF; rvisor runs RV64");
    if (data[EI_CLASS] != ELFCLASS64)
        throw ElfError(path, "has an invalid ELF class " + std::to_string(data[EI_CLASS]));
    if (data[EI_DATA] == ELFDATA2MSB)
        throw ElfError(path, "is a big-endian ELF; RISC-V is little-endian");
    if (data[EI_DATA] != ELFDATA2LSB)
        throw ElfError(path, "has an invalid ELF data encoding " + std::to_string(data[EI_DATA]));
    if (size < sizeof(Elf64_Ehdr))
        throw ElfError(path, "is truncated: " + std::to_string(size) +
                                 " bytes, too short for the 64-byte ELF header");

    const auto eh = load<Elf64_Ehdr>(data, 0);
    if (eh.e_machine != EM_RISCV)
        throw ElfError(path, "is " + machine_phrase(eh.e_machine) + ", not RISC-V");
    if (eh.e_type != ET_EXEC) throw ElfError(path, type_reason(eh.e_type));

    // --- Program headers.
    if (eh.e_phnum == PN_XNUM)
        throw ElfError(path, "uses extended program header numbering, which is not supported");
    if (eh.e_phnum > 0 && eh.e_phentsize != sizeof(Elf64_Phdr))
        throw ElfError(path, "has " + std::to_string(eh.e_phentsize) +
                                 "-byte program headers; ELF64 needs " +
                                 std::to_string(sizeof(Elf64_Phdr)));
    if (!fits(size, eh.e_phoff, u64{eh.e_phnum} * sizeof(Elf64_Phdr)))
        throw ElfError(path, "is truncated: the program header table (" +
                                 std::to_string(eh.e_phnum) + " entries at offset " +
                                 hex(eh.e_phoff) + ") runs past the end of the file (" +
                                 std::to_string(size) + " bytes)");

    std::vector<Segment> segments;
    for (u64 i = 0; i < eh.e_phnum; ++i) {
        const auto ph = load<Elf64_Phdr>(data, eh.e_phoff + i * sizeof(Elf64_Phdr));
        if (ph.p_type != PT_LOAD) continue;
        const std::string which = "PT_LOAD segment " + std::to_string(i);
        if (ph.p_filesz > ph.p_memsz)
            throw ElfError(path, which + ": file size " + hex(ph.p_filesz) +
                                     " exceeds memory size " + hex(ph.p_memsz));
        if (!fits(size, ph.p_offset, ph.p_filesz))
            throw ElfError(path, "is truncated: " + which + " (" + hex(ph.p_filesz) +
                                     " bytes at file offset " + hex(ph.p_offset) +
                                     ") runs past the end of the file (" + std::to_string(size) +
                                     " bytes)");
        if (ph.p_memsz == 0) continue;  // occupies no memory: nothing to place or check
        // Placed by physical address: the harts start with translation off.
        if (ph.p_memsz - 1 > ~u64{0} - ph.p_paddr)
            throw ElfError(path, which + " at " + hex(ph.p_paddr) + " (" + hex(ph.p_memsz) +
                                     " bytes) wraps around the end of the address space");
        if (!ram.contains(ph.p_paddr, ph.p_memsz))
            throw ElfError(path, which + " at " + span_text(ph.p_paddr, ph.p_memsz) +
                                     " lies outside guest RAM " +
                                     span_text(ram.base(), ram.size()));
        segments.push_back({ph.p_offset, ph.p_filesz, ph.p_vaddr, ph.p_paddr, ph.p_memsz});
    }
    if (segments.empty()) throw ElfError(path, "has no loadable (PT_LOAD) segments");

    // Link-time addresses are virtual; translate through the segment holding them.
    const auto to_physical = [&](u64 vaddr) -> std::optional<u64> {
        for (const Segment& s : segments) {
            if (vaddr >= s.vaddr && vaddr - s.vaddr < s.memsz) return s.paddr + (vaddr - s.vaddr);
        }
        return std::nullopt;
    };
    const std::optional<u64> entry = to_physical(eh.e_entry);
    if (!entry)
        throw ElfError(path,
                       "entry point " + hex(eh.e_entry) + " is not inside any loaded segment");

    LoadedElf out{*entry, std::nullopt, std::nullopt, ~u64{0}, 0};
    // A symbol outside every segment keeps its raw value: it may still name RAM.
    const Symbols syms = find_symbols(data, eh);
    if (syms.tohost) out.tohost = to_physical(*syms.tohost).value_or(*syms.tohost);
    if (syms.fromhost) out.fromhost = to_physical(*syms.fromhost).value_or(*syms.fromhost);

    // --- Everything checked; only now touch RAM.
    for (const Segment& s : segments) {
        u8* dst = ram.host(s.paddr);
        std::memcpy(dst, data.data() + s.offset, s.filesz);
        std::memset(dst + s.filesz, 0, s.memsz - s.filesz);  // .bss
        out.lowest = std::min(out.lowest, s.paddr);
        out.highest = std::max(out.highest, s.paddr + s.memsz);
    }
    return out;
}

}  // namespace rvisor::machine
