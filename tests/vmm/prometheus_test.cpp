#include "vmm/prometheus.hpp"

#include <gtest/gtest.h>

namespace rvisor::vmm {
namespace {

TEST(Prometheus, FamiliesAndSamplesInTextFormat) {
    PrometheusText p;
    p.family("rvisor_vm_state", "gauge", "1 for the VM's current state.");
    p.sample("rvisor_vm_state", {{"vm", "a"}, {"state", "running"}}, 1);
    p.sample("rvisor_vm_state", {{"vm", "a"}, {"state", "paused"}}, 0);
    p.family("rvisor_vm_vcpu_seconds_total", "counter", "CPU time.");
    p.sample("rvisor_vm_vcpu_seconds_total", {{"vm", "a"}}, 1.25);
    p.sample("rvisor_budget_vcpus", {}, 8);
    EXPECT_EQ(p.text(),
              "# HELP rvisor_vm_state 1 for the VM's current state.\n"
              "# TYPE rvisor_vm_state gauge\n"
              "rvisor_vm_state{vm=\"a\",state=\"running\"} 1\n"
              "rvisor_vm_state{vm=\"a\",state=\"paused\"} 0\n"
              "# HELP rvisor_vm_vcpu_seconds_total CPU time.\n"
              "# TYPE rvisor_vm_vcpu_seconds_total counter\n"
              "rvisor_vm_vcpu_seconds_total{vm=\"a\"} 1.25\n"
              "rvisor_budget_vcpus 8\n");
}

TEST(Prometheus, LabelValuesEscapeBackslashQuoteNewline) {
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(Prometheus, NumbersAreExactWithoutExponentsForIntegers) {
    EXPECT_EQ(format_sample_value(134217728), "134217728");
    EXPECT_EQ(format_sample_value(12345678901234.0), "12345678901234");
    EXPECT_EQ(format_sample_value(0.1), "0.1");
    EXPECT_EQ(format_sample_value(-3), "-3");
    EXPECT_EQ(format_sample_value(1.0 / 0.0), "+Inf");
}

}  // namespace
}  // namespace rvisor::vmm
