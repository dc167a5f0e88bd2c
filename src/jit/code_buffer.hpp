// One hart's executable memory for compiled blocks: a single anonymous mapping, filled by a
// bump pointer and emptied all at once when full (the hart retires every block first).
#pragma once

#include <cstddef>

#include "base/types.hpp"

namespace rvisor::jit {

class CodeBuffer {
  public:
    // Reserves `size` bytes of address space (pages are committed as code is written).
    explicit CodeBuffer(std::size_t size);
    ~CodeBuffer();
    CodeBuffer(const CodeBuffer&) = delete;
    CodeBuffer& operator=(const CodeBuffer&) = delete;

    u8* begin() const { return base_; }
    u8* cursor() const { return base_ + used_; }
    std::size_t remaining() const { return size_ - used_; }
    // Marks `bytes` more as used (after code was emitted at cursor()).
    void commit(std::size_t bytes) { used_ += bytes; }
    // Forgets everything after the first `keep` bytes (the shared entry/exit code).
    void reset(std::size_t keep) { used_ = keep; }

  private:
    u8* base_ = nullptr;
    std::size_t size_ = 0;
    std::size_t used_ = 0;
};

}  // namespace rvisor::jit
