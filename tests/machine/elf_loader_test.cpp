#include "machine/elf_loader.hpp"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace rvisor::machine {
namespace {

namespace fs = std::filesystem;

constexpr u64 kRamBase = 0x8000'0000;
constexpr u64 kRamSize = 0x1'0000;

struct Seg {
    u32 type = PT_LOAD;
    u64 vaddr = 0;
    u64 paddr = 0;
    u64 memsz = 0;
    std::vector<u8> data;
};

struct Spec {
    u16 type = ET_EXEC;
    u16 machine = EM_RISCV;
    u64 entry = 0;
    std::vector<Seg> segs;
    std::vector<std::pair<std::string, u64>> syms;  // empty: no section table at all
};

template <typename T>
void put(std::vector<u8>& out, u64 off, const T& v) {
    if (out.size() < off + sizeof v) out.resize(off + sizeof v);
    std::memcpy(out.data() + off, &v, sizeof v);
}

template <typename T>
T get(const std::vector<u8>& in, u64 off) {
    T v;
    std::memcpy(&v, in.data() + off, sizeof v);
    return v;
}

void align(std::vector<u8>& out, u64 to) {
    out.resize((out.size() + to - 1) / to * to);
}

// Layout: ELF header, program headers, segment data, then (with symbols) .strtab, .symtab and
// the section headers [null, .symtab, .strtab].
std::vector<u8> build(const Spec& s) {
    std::vector<u8> out(sizeof(Elf64_Ehdr) + s.segs.size() * sizeof(Elf64_Phdr));
    for (std::size_t i = 0; i < s.segs.size(); ++i) {
        const Seg& seg = s.segs[i];
        align(out, 16);
        Elf64_Phdr ph{};
        ph.p_type = seg.type;
        ph.p_flags = PF_R | PF_W | PF_X;
        ph.p_offset = out.size();
        ph.p_vaddr = seg.vaddr;
        ph.p_paddr = seg.paddr;
        ph.p_filesz = seg.data.size();
        ph.p_memsz = seg.memsz;
        ph.p_align = 16;
        out.insert(out.end(), seg.data.begin(), seg.data.end());
        put(out, sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), ph);
    }

    Elf64_Ehdr eh{};
    if (!s.syms.empty()) {
        std::string strtab(1, '\0');
        std::vector<Elf64_Sym> syms(1);  // index 0 is the null symbol
        for (const auto& [name, value] : s.syms) {
            Elf64_Sym sym{};
            sym.st_name = static_cast<u32>(strtab.size());
            sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
            sym.st_shndx = 1;
            sym.st_value = value;
            syms.push_back(sym);
            strtab += name;
            strtab += '\0';
        }
        const u64 str_off = out.size();
        out.insert(out.end(), strtab.begin(), strtab.end());
        align(out, 8);
        const u64 sym_off = out.size();
        for (const Elf64_Sym& sym : syms) put(out, out.size(), sym);
        align(out, 8);
        const u64 sh_off = out.size();
        Elf64_Shdr sh[3]{};
        sh[1].sh_type = SHT_SYMTAB;
        sh[1].sh_offset = sym_off;
        sh[1].sh_size = syms.size() * sizeof(Elf64_Sym);
        sh[1].sh_link = 2;
        sh[1].sh_entsize = sizeof(Elf64_Sym);
        sh[2].sh_type = SHT_STRTAB;
        sh[2].sh_offset = str_off;
        sh[2].sh_size = strtab.size();
        for (const Elf64_Shdr& h : sh) put(out, out.size(), h);
        eh.e_shoff = sh_off;
        eh.e_shentsize = sizeof(Elf64_Shdr);
        eh.e_shnum = 3;
    }

    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = s.type;
    eh.e_machine = s.machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = s.entry;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<u16>(s.segs.size());
    put(out, 0, eh);
    return out;
}

// Text at the bottom of RAM, data + .bss at +0x2000, a note that must be skipped, symbols.
Spec good_spec() {
    Spec s;
    s.entry = kRamBase + 4;
    s.segs.push_back(
        {PT_LOAD, kRamBase, kRamBase, 16, {0x13, 0, 0, 0, 0x6f, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}});
    s.segs.push_back({PT_NOTE, 0, 0, 4, {9, 9, 9, 9}});
    s.segs.push_back({PT_LOAD,
                      kRamBase + 0x2000,
                      kRamBase + 0x2000,
                      0x40,
                      {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}});
    s.syms = {{"_start", kRamBase}, {"tohost", kRamBase + 0x2010}, {"fromhost", kRamBase + 0x2018}};
    return s;
}

std::string hex(u64 v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

u64 phdr_off(unsigned i) {
    return sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr);
}

class ElfLoaderTest : public ::testing::Test {
  protected:
    ElfLoaderTest() : ram_(kRamBase, kRamSize) {
        std::string tmpl = (fs::temp_directory_path() / "rvisor-elf-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
    }
    ~ElfLoaderTest() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::vector<u8>& bytes) {
        const fs::path p = dir_ / name;
        std::ofstream f(p, std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
        return p;
    }

    bool ram_is(u8 value) const {
        const auto v = ram_.view(kRamBase, kRamSize);
        return std::all_of(v.begin(), v.end(), [value](u8 b) { return b == value; });
    }

    // Loading must fail with exactly "<path>: <reason>" and leave RAM untouched.
    void expect_error(const fs::path& p, const std::string& reason) {
        try {
            load_elf(p, ram_);
            ADD_FAILURE() << p << " loaded; expected: " << reason;
        } catch (const ElfError& e) {
            EXPECT_EQ(std::string(e.what()), p.string() + ": " + reason);
        }
        EXPECT_TRUE(ram_is(0)) << "RAM was written although " << p << " was rejected";
    }

    void expect_error(const std::string& name, const std::vector<u8>& bytes,
                      const std::string& reason) {
        expect_error(write(name, bytes), reason);
    }

    fs::path dir_;
    mem::GuestRam ram_;
};

TEST_F(ElfLoaderTest, LoadsSegmentsZeroFillsBssAndFindsHtifSymbols) {
    std::memset(ram_.host(kRamBase), 0xaa, kRamSize);  // so zero-fill and untouched gaps show
    const LoadedElf elf = load_elf(write("good.elf", build(good_spec())), ram_);

    EXPECT_EQ(elf.entry, kRamBase + 4);
    ASSERT_TRUE(elf.tohost.has_value());
    ASSERT_TRUE(elf.fromhost.has_value());
    EXPECT_EQ(*elf.tohost, kRamBase + 0x2010);
    EXPECT_EQ(*elf.fromhost, kRamBase + 0x2018);
    EXPECT_EQ(elf.lowest, kRamBase);
    EXPECT_EQ(elf.highest, kRamBase + 0x2040);

    const std::vector<u8> text{0x13, 0, 0, 0, 0x6f, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    const u8* r = ram_.host(kRamBase);
    EXPECT_EQ(std::vector<u8>(r, r + 16), text);
    EXPECT_EQ(r[16], 0xaa);  // between the segments: untouched
    EXPECT_EQ(r[0x1fff], 0xaa);
    const std::vector<u8> data{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    EXPECT_EQ(std::vector<u8>(r + 0x2000, r + 0x2008), data);
    EXPECT_TRUE(std::all_of(r + 0x2008, r + 0x2040, [](u8 b) { return b == 0; }));  // .bss
    EXPECT_EQ(r[0x2040], 0xaa);  // past memsz: untouched
}

TEST_F(ElfLoaderTest, NoSymbolTableMeansNoHtifSymbols) {
    Spec s = good_spec();
    s.syms.clear();
    const LoadedElf elf = load_elf(write("nosyms.elf", build(s)), ram_);
    EXPECT_FALSE(elf.tohost.has_value());
    EXPECT_FALSE(elf.fromhost.has_value());
    EXPECT_EQ(elf.entry, kRamBase + 4);
    EXPECT_EQ(ram_.host(kRamBase)[0], 0x13);
}

TEST_F(ElfLoaderTest, SymbolsNeedBothNames) {
    Spec s = good_spec();
    s.syms = {{"tohost_not", kRamBase}, {"fromhost", kRamBase + 0x2008}};
    const LoadedElf elf = load_elf(write("one.elf", build(s)), ram_);
    EXPECT_FALSE(elf.tohost.has_value());
    ASSERT_TRUE(elf.fromhost.has_value());
    EXPECT_EQ(*elf.fromhost, kRamBase + 0x2008);
}

TEST_F(ElfLoaderTest, MalformedSectionTableMeansNoSymbolsNotAnError) {
    const std::vector<u8> good = build(good_spec());
    const auto eh = get<Elf64_Ehdr>(good, 0);
    const u64 symtab_hdr = eh.e_shoff + 1 * sizeof(Elf64_Shdr);
    const u64 strtab_hdr = eh.e_shoff + 2 * sizeof(Elf64_Shdr);
    const auto symtab = get<Elf64_Shdr>(good, symtab_hdr);
    const auto sym1 = symtab.sh_offset + 2 * sizeof(Elf64_Sym);  // "tohost"

    std::vector<std::pair<std::string, std::vector<u8>>> cases;
    auto variant = [&](const std::string& name, auto patch) {
        std::vector<u8> b = good;
        patch(b);
        cases.emplace_back(name, std::move(b));
    };
    variant("shoff-past-eof",
            [](auto& b) { put<u64>(b, offsetof(Elf64_Ehdr, e_shoff), ~0ull - 8); });
    variant("shentsize", [](auto& b) { put<u16>(b, offsetof(Elf64_Ehdr, e_shentsize), 40); });
    variant("shnum-huge", [](auto& b) { put<u16>(b, offsetof(Elf64_Ehdr, e_shnum), 0xffff); });
    variant("link-out-of-range",
            [&](auto& b) { put<u32>(b, symtab_hdr + offsetof(Elf64_Shdr, sh_link), 7); });
    variant("link-not-strtab",
            [&](auto& b) { put<u32>(b, symtab_hdr + offsetof(Elf64_Shdr, sh_link), 1); });
    variant("symtab-past-eof", [&](auto& b) {
        put<u64>(b, symtab_hdr + offsetof(Elf64_Shdr, sh_offset), ~0ull - 16);
    });
    variant("symtab-size-huge",
            [&](auto& b) { put<u64>(b, symtab_hdr + offsetof(Elf64_Shdr, sh_size), ~0ull); });
    variant("strtab-past-eof", [&](auto& b) {
        put<u64>(b, strtab_hdr + offsetof(Elf64_Shdr, sh_offset), b.size());
        put<u64>(b, strtab_hdr + offsetof(Elf64_Shdr, sh_size), 1);
    });
    variant("sym-entsize",
            [&](auto& b) { put<u64>(b, symtab_hdr + offsetof(Elf64_Shdr, sh_entsize), 16); });
    for (auto& [name, bytes] : cases) {
        std::memset(ram_.host(kRamBase), 0, kRamSize);
        const LoadedElf elf = load_elf(write(name, bytes), ram_);
        EXPECT_FALSE(elf.tohost.has_value()) << name;
        EXPECT_FALSE(elf.fromhost.has_value()) << name;
        EXPECT_EQ(elf.entry, kRamBase + 4) << name;
        EXPECT_EQ(ram_.host(kRamBase)[0], 0x13) << name;
    }

    // A bad name offset on one symbol loses only that symbol.
    std::vector<u8> b = good;
    put<u32>(b, sym1 + offsetof(Elf64_Sym, st_name), 0x7fff'ffff);
    const LoadedElf elf = load_elf(write("bad-name", b), ram_);
    EXPECT_FALSE(elf.tohost.has_value());
    ASSERT_TRUE(elf.fromhost.has_value());
    EXPECT_EQ(*elf.fromhost, kRamBase + 0x2018);

    // A name running into the end of the string table without a NUL is skipped.
    b = good;
    const auto strtab = get<Elf64_Shdr>(good, strtab_hdr);
    put<u64>(b, strtab_hdr + offsetof(Elf64_Shdr, sh_size), strtab.sh_size - 1);
    const LoadedElf elf2 = load_elf(write("unterminated", b), ram_);
    EXPECT_TRUE(elf2.tohost.has_value());
    EXPECT_FALSE(elf2.fromhost.has_value());  // the last name lost its terminator
}

TEST_F(ElfLoaderTest, VirtualAddressesAreTranslatedThroughTheirSegment) {
    constexpr u64 kVirt = 0xffff'ffff'8000'0000;
    Spec s;
    s.entry = kVirt + 8;
    s.segs.push_back({PT_LOAD, kVirt, kRamBase + 0x1000, 0x100, {1, 2, 3, 4}});
    s.syms = {{"tohost", kVirt + 0x40}, {"fromhost", 0x1234}};  // the latter in no segment
    const LoadedElf elf = load_elf(write("virt.elf", build(s)), ram_);
    EXPECT_EQ(elf.entry, kRamBase + 0x1008);
    ASSERT_TRUE(elf.tohost.has_value());
    EXPECT_EQ(*elf.tohost, kRamBase + 0x1040);
    ASSERT_TRUE(elf.fromhost.has_value());
    EXPECT_EQ(*elf.fromhost, 0x1234u);  // kept as is
    EXPECT_EQ(elf.lowest, kRamBase + 0x1000);
    EXPECT_EQ(elf.highest, kRamBase + 0x1100);
    EXPECT_EQ(ram_.host(kRamBase + 0x1000)[3], 4);
}

TEST_F(ElfLoaderTest, EmptyLoadSegmentsAreIgnored) {
    Spec s = good_spec();
    s.segs.push_back({PT_LOAD, 0x10, 0x10, 0, {}});  // outside RAM, but occupies nothing
    const LoadedElf elf = load_elf(write("empty-seg.elf", build(s)), ram_);
    EXPECT_EQ(elf.lowest, kRamBase);
    EXPECT_EQ(elf.highest, kRamBase + 0x2040);
}

TEST_F(ElfLoaderTest, SegmentMayEndExactlyAtTheEndOfRam) {
    Spec s;
    s.entry = kRamBase + kRamSize - 4;
    s.segs.push_back({PT_LOAD, kRamBase + kRamSize - 16, kRamBase + kRamSize - 16, 16, {7}});
    const LoadedElf elf = load_elf(write("top.elf", build(s)), ram_);
    EXPECT_EQ(elf.highest, kRamBase + kRamSize);
    EXPECT_EQ(ram_.host(kRamBase + kRamSize - 16)[0], 7);
}

// ---- Errors: the file itself.

TEST_F(ElfLoaderTest, MissingFile) {
    expect_error(dir_ / "nope.elf", std::string("cannot open: ") + std::strerror(ENOENT));
}

TEST_F(ElfLoaderTest, Directory) {
    expect_error(dir_, "is not a regular file");
}

TEST_F(ElfLoaderTest, EmptyFile) {
    expect_error("empty", {}, "is empty");
}

TEST_F(ElfLoaderTest, NotAnElf) {
    const std::string script = "#!/bin/sh\necho hello\n";
    expect_error("script", std::vector<u8>(script.begin(), script.end()),
                 "is not an ELF file (bad magic)");
    expect_error("one-byte", {0x7e}, "is not an ELF file (bad magic)");
}

TEST_F(ElfLoaderTest, TruncatedIdentAndHeader) {
    expect_error("ident", {0x7f, 'E', 'L'}, "is truncated: 3 bytes, too short for an ELF header");
    std::vector<u8> b = build(good_spec());
    b.resize(40);
    expect_error("header", b, "is truncated: 40 bytes, too short for the 64-byte ELF header");
}

TEST_F(ElfLoaderTest, WrongClassAndEndianness) {
    std::vector<u8> b = build(good_spec());
    b[EI_CLASS] = ELFCLASS32;
    expect_error("elf32", b, "is a 32-bit ELF; rvisor runs RV64");
    b[EI_CLASS] = 7;
    expect_error("class7", b, "has an invalid ELF class 7");
    b = build(good_spec());
    b[EI_DATA] = ELFDATA2MSB;
    expect_error("be", b, "is a big-endian ELF; RISC-V is little-endian");
}

TEST_F(ElfLoaderTest, WrongMachineIsNamed) {
    Spec s = good_spec();
    s.machine = EM_X86_64;
    expect_error("x86", build(s), "is an x86-64 ELF, not RISC-V");
    s.machine = EM_AARCH64;
    expect_error("arm64", build(s), "is an AArch64 ELF, not RISC-V");
    s.machine = 999;
    expect_error("odd", build(s), "is an ELF for machine 999, not RISC-V");
}

TEST_F(ElfLoaderTest, OnlyExecutablesAreAccepted) {
    Spec s = good_spec();
    s.type = ET_DYN;
    expect_error("pie", build(s),
                 "is a position-independent (ET_DYN) ELF; only statically linked executables "
                 "(ET_EXEC) can be loaded");
    s.type = ET_REL;
    expect_error("obj", build(s), "is a relocatable object (ET_REL), not a linked executable");
    s.type = ET_CORE;
    expect_error("core", build(s), "is a core dump (ET_CORE), not an executable");
}

// ---- Errors: program headers and segments.

TEST_F(ElfLoaderTest, TruncatedProgramHeaderTable) {
    std::vector<u8> b = build(good_spec());
    b.resize(phdr_off(1) + 10);
    expect_error("phdrs", b,
                 "is truncated: the program header table (3 entries at offset 0x40) runs past "
                 "the end of the file (130 bytes)");

    b = build(good_spec());
    put<u64>(b, offsetof(Elf64_Ehdr, e_phoff), ~0ull - 8);  // offset + size would overflow
    expect_error("phoff", b,
                 "is truncated: the program header table (3 entries at offset "
                 "0xfffffffffffffff7) runs past the end of the file (" +
                     std::to_string(b.size()) + " bytes)");
}

TEST_F(ElfLoaderTest, WrongProgramHeaderSize) {
    std::vector<u8> b = build(good_spec());
    put<u16>(b, offsetof(Elf64_Ehdr, e_phentsize), 32);
    expect_error("phentsize", b, "has 32-byte program headers; ELF64 needs 56");
}

TEST_F(ElfLoaderTest, TruncatedSegmentData) {
    Spec s = good_spec();
    s.syms.clear();  // so the data of the last segment ends the file
    std::vector<u8> b = build(s);
    const auto ph = get<Elf64_Phdr>(b, phdr_off(2));
    b.resize(b.size() - 1);
    expect_error("short", b,
                 "is truncated: PT_LOAD segment 2 (0x8 bytes at file offset " + hex(ph.p_offset) +
                     ") runs past the end of the file (" + std::to_string(b.size()) + " bytes)");

    b = build(good_spec());
    put<u64>(b, phdr_off(2) + offsetof(Elf64_Phdr, p_offset), ~0ull - 3);  // would overflow
    expect_error("offset", b,
                 "is truncated: PT_LOAD segment 2 (0x8 bytes at file offset 0xfffffffffffffffc) "
                 "runs past the end of the file (" +
                     std::to_string(b.size()) + " bytes)");
}

TEST_F(ElfLoaderTest, NoLoadableSegments) {
    Spec s = good_spec();
    s.segs = {{PT_NOTE, 0, 0, 4, {1, 2, 3, 4}}, {PT_LOAD, kRamBase, kRamBase, 0, {}}};
    expect_error("noload", build(s), "has no loadable (PT_LOAD) segments");
    s.segs.clear();
    expect_error("nophdrs", build(s), "has no loadable (PT_LOAD) segments");
}

// Segment 0 is valid and comes first: RAM staying zero proves nothing is written early.
TEST_F(ElfLoaderTest, SegmentOutsideRam) {
    Spec s = good_spec();
    s.segs[2].paddr = 0x1000;
    expect_error("below", build(s),
                 "PT_LOAD segment 2 at 0x1000-0x103f lies outside guest RAM "
                 "0x80000000-0x8000ffff");
    s.segs[2].paddr = kRamBase + kRamSize - 0x20;  // straddles the end of RAM
    expect_error("straddle", build(s),
                 "PT_LOAD segment 2 at 0x8000ffe0-0x8001001f lies outside guest RAM "
                 "0x80000000-0x8000ffff");
    s.segs[2].paddr = ~0ull - 0xf;
    expect_error("wrap", build(s),
                 "PT_LOAD segment 2 at 0xfffffffffffffff0 (0x40 bytes) wraps around the end of "
                 "the address space");
    s.segs[2].paddr = kRamBase;
    s.segs[2].memsz = ~0ull;  // larger than RAM itself
    expect_error("huge", build(s),
                 "PT_LOAD segment 2 at 0x80000000 (0xffffffffffffffff bytes) wraps around the "
                 "end of the address space");
    s.segs[2].memsz = kRamSize + 1;
    expect_error("big", build(s),
                 "PT_LOAD segment 2 at 0x80000000-0x80010000 lies outside guest RAM "
                 "0x80000000-0x8000ffff");
}

TEST_F(ElfLoaderTest, FileSizeAboveMemorySize) {
    Spec s = good_spec();
    s.segs[2].memsz = 4;
    expect_error("filesz", build(s), "PT_LOAD segment 2: file size 0x8 exceeds memory size 0x4");
}

TEST_F(ElfLoaderTest, EntryOutsideLoadedSegments) {
    Spec s = good_spec();
    s.entry = kRamBase + 0x1000;  // in RAM, but in the gap between the segments
    expect_error("entry-gap", build(s), "entry point 0x80001000 is not inside any loaded segment");
    s.entry = kRamBase + 0x2040;  // one past the end of the .bss
    expect_error("entry-end", build(s), "entry point 0x80002040 is not inside any loaded segment");
}

}  // namespace
}  // namespace rvisor::machine
