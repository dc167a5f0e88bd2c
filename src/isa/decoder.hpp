// Pure instruction decoding: encoding in, DecodedInsn out. No CPU state is consulted, so the
// same encoding always decodes the same way and results can be cached by the executor.
#pragma once

#include "base/types.hpp"
#include "isa/decoded_insn.hpp"

namespace rvisor::isa {

// Length in bytes of the instruction whose first 16-bit parcel is `low`: 2 when the two low
// bits are not 0b11, else 4. (Longer encodings are not part of RV64GC and decode as illegal.)
constexpr unsigned insn_length(u16 low) { return (low & 3) == 3 ? 4 : 2; }

// Decodes one instruction. When the low two bits of `bits` are not 0b11 only the low 16 bits
// are used (compressed). Reserved and illegal encodings return op == Op::Illegal, with `raw`
// and `len` still filled in.
DecodedInsn decode(u32 bits);

// Decodes a 16-bit compressed encoding (RV64C, including the F/D load/store forms).
DecodedInsn decode_compressed(u16 bits);

}  // namespace rvisor::isa
