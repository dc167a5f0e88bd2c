// Prometheus text exposition format 0.0.4: "# HELP", "# TYPE", then samples
// `name{label="value",...} number`, one family's samples together.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rvisor::vmm {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
  public:
    // Starts a metric family; `type` is gauge or counter.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const Labels& labels, double value);
    const std::string& text() const { return out_; }

  private:
    std::string out_;
};

// Label values escape backslash, double quote and newline (the format's three escapes).
std::string escape_label_value(std::string_view v);
// Integers print without exponent or fraction; other values in the shortest exact form.
std::string format_sample_value(double v);

}  // namespace rvisor::vmm
