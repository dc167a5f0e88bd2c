// The snapshot file of a virt-board VM (VirtMachine::save_snapshot, VmConfig::restore_from).
//
// Layout, all integers little-endian:
//
//   0            header, kHeaderBytes long:
//                  magic "RVSNAP\0\0", u32 format version (kFormatVersion), u32 reserved 0,
//                  u64 state offset, u64 state size, u64 runs offset, u64 run count,
//                  u64 checksum (FNV-1a 64 of state and runs), u64 RAM offset, u64 RAM size;
//                  the rest zero
//   state offset the machine state as mem::StateWriter sections: "config" (what is needed to
//                rebuild the board: cpus, memory, disks, NICs), "timebase", one "hart" per
//                hart, "clint", "plic", "uart16550", "goldfish-rtc", "sifive-test", then the
//                virtio transports ("virtio-mmio" with their "virtqueue"s)
//   runs offset  the runs of RAM pages that hold data: run count pairs of u64 (first page,
//                page count), ascending
//   RAM offset   guest RAM, byte for byte, page-aligned. Pages that are all zero are never
//                written: they are holes of a sparse file, so the file costs disk only for the
//                pages the guest used, and the whole image can be mmap'ed in one piece.
//
// Restore maps the RAM image MAP_PRIVATE (copy-on-write) at the guest's RAM, with anonymous
// memory over the larger all-zero runs: restore time does not depend on RAM size, and any
// number of VMs can be restored from one file at once, sharing its unmodified pages through
// the host page cache. The file must therefore not be modified or truncated while a VM
// restored from it runs; a new snapshot is written to FILE.tmp, synced and renamed over FILE,
// so a file name never shows a half-written snapshot and running clones keep the old inode.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "machine/vm_config.hpp"
#include "mem/guest_ram.hpp"
#include "mem/state_io.hpp"

namespace rvisor::machine {

inline constexpr char kSnapshotMagic[8] = {'R', 'V', 'S', 'N', 'A', 'P', 0, 0};
inline constexpr u32 kSnapshotFormatVersion = 1;
inline constexpr u64 kSnapshotHeaderBytes = 4096;

// The parts of a VmConfig a snapshot keeps: what decides the board's shape.
struct SnapshotConfig {
    std::string name;
    unsigned cpus = 1;
    u64 memory = 0;
    std::vector<DiskConfig> disks;
    std::vector<NicConfig> nics;  // each with its MAC filled in
};

void save_snapshot_config(mem::StateWriter& w, const SnapshotConfig& config);

// Writes a snapshot: `state` (the sections after "config", which the caller wrote into the
// same writer after save_snapshot_config) and the RAM image. Throws std::runtime_error naming
// the file; on failure FILE is left as it was and FILE.tmp removed.
void write_snapshot_file(const std::filesystem::path& file, const mem::StateWriter& state,
                         const mem::GuestRam& ram);

// An opened, validated snapshot. open() checks the magic, the version, the sizes against the
// file's length and the state checksum, and parses the config section; every problem is a
// std::runtime_error with one line naming the file and what is wrong.
class SnapshotFile {
  public:
    static SnapshotFile open(const std::filesystem::path& file);
    SnapshotFile(SnapshotFile&&) noexcept;
    SnapshotFile& operator=(SnapshotFile&&) noexcept;
    ~SnapshotFile();

    const std::filesystem::path& path() const { return path_; }
    const SnapshotConfig& config() const { return config_; }
    // A reader positioned after the config section (it reads this object's buffer).
    mem::StateReader state() const;
    // Guest RAM at `base`, mapped copy-on-write from the file (see above).
    std::unique_ptr<mem::GuestRam> map_ram(u64 base) const;

  private:
    SnapshotFile() = default;

    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<u8> state_;
    std::size_t config_end_ = 0;             // offset of the first section after "config"
    std::vector<std::pair<u64, u64>> runs_;  // pages with data: (first page, count)
    u64 ram_offset_ = 0;
    u64 ram_size_ = 0;
    SnapshotConfig config_;
};

// Merges a restore: the board's shape from the snapshot; disks and NICs from `config` when
// it names any (same number as the snapshot's, else std::runtime_error), else the
// snapshot's. Everything else (console, timeout, name when set) stays `config`'s.
void apply_snapshot_config(const SnapshotConfig& snap, VmConfig& config);

}  // namespace rvisor::machine
