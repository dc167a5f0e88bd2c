// One VM as the manager holds it (manager.cpp and manager_metrics.cpp); guarded by the
// Manager's mutex.
#pragma once

#include <atomic>
#include <memory>

#include "vmm/console_hub.hpp"
#include "vmm/manager.hpp"
#include "vmm/state_store.hpp"
#include "vmm/vm_definition.hpp"

namespace rvisor::vmm {

struct Manager::Vm {
    VmDefinition def;
    RuntimeRecord rt;
    int pidfd = -1;
    bool child = false;           // our child (waitid works) or re-attached after a restart
    bool stop_requested = false;  // the end that follows is "stopped by request"
    bool busy = false;            // a pause/resume/snapshot is talking to the VM
    std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<ConsoleHub> console = std::make_shared<ConsoleHub>();
};

}  // namespace rvisor::vmm
