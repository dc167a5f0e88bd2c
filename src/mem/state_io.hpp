// StateWriter / StateReader: the tiny versioned binary serialiser behind snapshots. Every
// stateful piece of a machine (cpu::Hart, each device) implements
//     void save(mem::StateWriter&) const;   void load(mem::StateReader&);
// and writes one section: a tag naming it and its own format version, then its fields as
// little-endian fixed-width integers (the host is x86-64, the guest RV64: both little-endian).
//
// Why here: harts (cpu) and devices (devices) both need it, and the only layer below both is
// mem (src/base is header-only vocabulary with no behaviour, and this throws and allocates).
// It depends on nothing but the standard library.
//
// Errors: a reader never reads past its input. Running out of bytes, a wrong section tag or a
// section version newer than the code knows throws std::runtime_error with one line naming
// the problem; the snapshot loader turns that into its own message. Exceptions are right
// here: loading a snapshot is an edge (a file), never the hot loop.
#pragma once

#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/types.hpp"

namespace rvisor::mem {

class StateWriter {
  public:
    // Starts a section: tag (a short name, e.g. "clint") and the section's format version.
    void begin(std::string_view tag, u32 version);

    template <typename T>
    requires std::is_integral_v<T> || std::is_enum_v<T>
    void put(T v) {
        if constexpr (std::is_enum_v<T>) {
            put(static_cast<std::underlying_type_t<T>>(v));
        } else if constexpr (std::is_same_v<T, bool>) {
            put<u8>(v ? 1 : 0);
        } else {
            u8 b[sizeof(T)];
            std::memcpy(b, &v, sizeof(T));  // little-endian host
            bytes_.insert(bytes_.end(), b, b + sizeof(T));
        }
    }
    void put_bytes(std::span<const u8> data);
    // Length-prefixed (u32) byte string.
    void put_string(std::string_view s);
    // Length-prefixed (u32) array of integers.
    template <typename T>
    void put_array(std::span<const T> values) {
        put<u32>(static_cast<u32>(values.size()));
        for (const T& v : values) put(v);
    }

    const std::vector<u8>& bytes() const { return bytes_; }
    std::vector<u8> take() { return std::move(bytes_); }

  private:
    std::vector<u8> bytes_;
};

class StateReader {
  public:
    // `what` names the input in error messages (e.g. the snapshot file).
    explicit StateReader(std::span<const u8> data, std::string what = "snapshot")
        : data_(data), what_(std::move(what)) {}

    // Reads a section header; throws unless the tag is `tag` and the version is 1..max_version.
    // Returns the version found, for sections that can read older layouts.
    u32 begin(std::string_view tag, u32 max_version);

    template <typename T>
    requires std::is_integral_v<T> || std::is_enum_v<T> T get() {
        if constexpr (std::is_enum_v<T>) {
            return static_cast<T>(get<std::underlying_type_t<T>>());
        } else if constexpr (std::is_same_v<T, bool>) {
            return get<u8>() != 0;
        } else {
            T v;
            std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
            return v;
        }
    }
    void get_bytes(std::span<u8> out);
    // `max` bounds the length a corrupt file could claim.
    std::string get_string(std::size_t max = 4096);
    // Reads an array written by put_array() whose length must be exactly out.size().
    template <typename T>
    void get_array(std::span<T> out, std::string_view field) {
        const u32 n = get<u32>();
        if (n != out.size()) mismatch(field, n, out.size());
        for (T& v : out) v = get<T>();
    }
    // An array of any length up to `max`.
    template <typename T>
    std::vector<T> get_vector(std::size_t max, std::string_view field) {
        const u32 n = get<u32>();
        if (n > max) mismatch(field, n, max);
        if (n * sizeof(T) > remaining()) truncated();
        std::vector<T> v(n);
        for (T& x : v) x = get<T>();
        return v;
    }

    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t position() const { return pos_; }
    // Throws a one-line error: `field` holds `found` where this machine has `expected`.
    [[noreturn]] void mismatch(std::string_view field, u64 found, u64 expected) const;
    // Throws a one-line error about malformed content.
    [[noreturn]] void fail(std::string_view problem) const;

  private:
    std::span<const u8> take(std::size_t n);
    [[noreturn]] void truncated() const;

    std::span<const u8> data_;
    std::size_t pos_ = 0;
    std::string what_;
};

}  // namespace rvisor::mem
