#include "vmm/proc_stat.hpp"

#include <charconv>
#include <fstream>
#include <string>

namespace rvisor::vmm {

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
    const std::size_t close = line.rfind(')');
    if (close == std::string_view::npos || close + 2 >= line.size()) return std::nullopt;
    std::string_view rest = line.substr(close + 2);  // from field 3
    ProcStat s;
    for (int field = 3; field <= 24 && !rest.empty(); ++field) {
        const std::size_t sp = rest.find(' ');
        const std::string_view tok = rest.substr(0, sp);
        auto number = [&](u64& out) {
            return std::from_chars(tok.data(), tok.data() + tok.size(), out).ec == std::errc{};
        };
        bool ok = true;
        switch (field) {
            case 3: s.state = tok.empty() ? '?' : tok[0]; break;
            case 14: ok = number(s.utime_ticks); break;
            case 15: ok = number(s.stime_ticks); break;
            case 22: ok = number(s.start_ticks); break;
            case 24: {
                i64 rss = 0;
                ok = std::from_chars(tok.data(), tok.data() + tok.size(), rss).ec == std::errc{};
                s.rss_pages = rss > 0 ? static_cast<u64>(rss) : 0;
                return ok ? std::optional(s) : std::nullopt;
            }
            default: break;
        }
        if (!ok) return std::nullopt;
        if (sp == std::string_view::npos) break;
        rest = rest.substr(sp + 1);
    }
    return std::nullopt;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    return parse_proc_stat(line);
}

}  // namespace rvisor::vmm
