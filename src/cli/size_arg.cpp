#include "size_arg.hpp"

#include <cctype>

namespace rvisor::cli {

std::optional<u64> parse_size(const std::string& text) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
    std::size_t end = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &end, 10);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string suffix = text.substr(end);
    u64 mult = 1;
    if (suffix == "K" || suffix == "k" || suffix == "KiB")
        mult = 1ULL << 10;
    else if (suffix == "M" || suffix == "m" || suffix == "MiB")
        mult = 1ULL << 20;
    else if (suffix == "G" || suffix == "g" || suffix == "GiB")
        mult = 1ULL << 30;
    else if (!suffix.empty())
        return std::nullopt;
    if (v == 0 || v > (~0ULL >> 2) / mult) return std::nullopt;
    return v * mult;
}

}  // namespace rvisor::cli
