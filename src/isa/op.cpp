// Mnemonics of the ops, generated from the same X-macro list as the enum.
#include "isa/op.hpp"

#include <array>

namespace rvisor::isa {

namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
#define RVISOR_ISA_NAME(name, text) std::string_view(text),
    RVISOR_ISA_OPS(RVISOR_ISA_NAME)
#undef RVISOR_ISA_NAME
};

}  // namespace

std::string_view op_name(Op op) {
    const auto index = static_cast<unsigned>(op);
    return index < kOpCount ? kOpNames[index] : std::string_view("unknown");
}

}  // namespace rvisor::isa
