#include "jit/code_buffer.hpp"

#include <sys/mman.h>

#include <new>

namespace rvisor::jit {

CodeBuffer::CodeBuffer(std::size_t size) : size_(size) {
    // Read-write-execute: blocks are linked and unlinked by patching jumps in place while
    // the buffer is in use, and only this hart's thread ever writes or runs it. A W^X switch
    // per patch would cost two mprotect calls on every link.
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<u8*>(p);
}

CodeBuffer::~CodeBuffer() {
    munmap(base_, size_);
}

}  // namespace rvisor::jit
