// Parses sizes as users write them: "512M", "2G", "65536", "64K".
#pragma once

#include <optional>
#include <string>

#include "base/types.hpp"

namespace rvisor::cli {

// Bytes, or nullopt when the text is not a positive size with an optional K/M/G suffix.
std::optional<u64> parse_size(const std::string& text);

}  // namespace rvisor::cli
