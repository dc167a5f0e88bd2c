#include "vmm/state_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace rvisor::vmm {
namespace {

namespace fs = std::filesystem;

class StateStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/rvisor-vmm-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    static std::string read(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    fs::path dir_;
};

TEST_F(StateStoreTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
    const fs::path f = dir_ / "x.json";
    write_file_atomically(f, "first version, rather long\n");
    write_file_atomically(f, "second\n");
    EXPECT_EQ(read(f), "second\n");
    EXPECT_FALSE(fs::exists(dir_ / "x.json.tmp"));
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StateStoreTest, AtomicWriteFailureKeepsTheOldFile) {
    const fs::path f = dir_ / "x.json";
    write_file_atomically(f, "old\n");
    // A folder where the temporary file would go makes the write fail before the rename.
    fs::create_directory(dir_ / "x.json.tmp");
    EXPECT_THROW(write_file_atomically(f, "new\n"), std::system_error);
    EXPECT_EQ(read(f), "old\n");
}

TEST_F(StateStoreTest, DefinitionsAndRuntimeRecordsReload) {
    const StateStore store(dir_ / "state");
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "state").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    VmDefinition a;
    a.name = "a";
    a.vcpus = 2;
    a.memory_mib = 128;
    a.kernel = "/gone/Image";  // reloading never checks files: a VM is not lost to a rename
    VmDefinition b;
    b.name = "b";
    store.save_definition(a);
    store.save_definition(b);
    RuntimeRecord r;
    r.state = "crashed";
    r.pid = 0;
    r.start_ticks = 12345;
    r.started_at_ms = 1700000000000;
    r.api = true;
    r.exit_reason = "crashed (signal 9)";
    r.limits = {{"mechanism", "setpriority"}, {"nice", 0}};
    store.save_runtime("a", r);

    std::vector<std::string> warnings;
    const StateStore again(dir_ / "state");
    auto loaded = again.load_all(warnings);
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(loaded.size(), 2u);
    std::sort(loaded.begin(), loaded.end(),
              [](const auto& x, const auto& y) { return x.definition.name < y.definition.name; });
    EXPECT_EQ(loaded[0].definition, a);
    EXPECT_EQ(loaded[0].runtime, r);
    EXPECT_EQ(loaded[1].definition, b);
    EXPECT_EQ(loaded[1].runtime, RuntimeRecord{});

    store.remove_vm("a");
    EXPECT_FALSE(fs::exists(store.vm_dir("a")));
    warnings.clear();
    EXPECT_EQ(again.load_all(warnings).size(), 1u);
}

TEST_F(StateStoreTest, DamagedEntriesAreSkippedWithAWarning) {
    const StateStore store(dir_ / "state");
    VmDefinition good;
    good.name = "good";
    store.save_definition(good);
    fs::create_directory(store.vm_dir("torn"));
    std::ofstream(store.vm_dir("torn") / "vm.json") << "{\"name\": \"torn\", \"vcp";
    fs::create_directory(store.vm_dir("other"));
    std::ofstream(store.vm_dir("other") / "vm.json") << R"({"name": "not-other"})";
    std::vector<std::string> warnings;
    const auto loaded = store.load_all(warnings);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].definition.name, "good");
    EXPECT_EQ(warnings.size(), 2u);
}

}  // namespace
}  // namespace rvisor::vmm
