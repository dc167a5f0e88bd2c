#include "mem/state_io.hpp"

#include <stdexcept>

namespace rvisor::mem {

void StateWriter::begin(std::string_view tag, u32 version) {
    put_string(tag);
    put<u32>(version);
}

void StateWriter::put_bytes(std::span<const u8> data) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
}

void StateWriter::put_string(std::string_view s) {
    put<u32>(static_cast<u32>(s.size()));
    put_bytes({reinterpret_cast<const u8*>(s.data()), s.size()});
}

std::span<const u8> StateReader::take(std::size_t n) {
    if (n > remaining()) truncated();
    const auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
}

void StateReader::truncated() const {
    throw std::runtime_error(what_ + ": truncated (state ends at byte " +
                             std::to_string(data_.size()) + ")");
}

void StateReader::get_bytes(std::span<u8> out) {
    const auto in = take(out.size());
    std::memcpy(out.data(), in.data(), out.size());
}

std::string StateReader::get_string(std::size_t max) {
    const u32 n = get<u32>();
    if (n > max) fail("string of " + std::to_string(n) + " bytes is too long");
    const auto in = take(n);
    return {reinterpret_cast<const char*>(in.data()), in.size()};
}

u32 StateReader::begin(std::string_view tag, u32 max_version) {
    const std::size_t at = pos_;
    const std::string found = get_string(64);
    if (found != tag)
        throw std::runtime_error(what_ + ": expected section '" + std::string(tag) + "' at byte " +
                                 std::to_string(at) + ", found '" + found + "'");
    const u32 version = get<u32>();
    if (version == 0 || version > max_version)
        throw std::runtime_error(what_ + ": section '" + std::string(tag) + "' has version " +
                                 std::to_string(version) + ", this rvisor reads 1.." +
                                 std::to_string(max_version));
    return version;
}

void StateReader::mismatch(std::string_view field, u64 found, u64 expected) const {
    throw std::runtime_error(what_ + ": " + std::string(field) + " is " + std::to_string(found) +
                             " in the snapshot but " + std::to_string(expected) +
                             " in this machine");
}

void StateReader::fail(std::string_view problem) const {
    throw std::runtime_error(what_ + ": " + std::string(problem));
}

}  // namespace rvisor::mem
