// priv_sv39.S - Sv39 paging: the checks of priv_vm.inc (see there) with a 3-level page table.
//
// qemu-cpu: rv64,h=false
#define PV_LEVELS 3
#include "priv.h"
#include "priv_vm.inc"
