// priv_sv57.S - Sv57 paging: the checks of priv_vm.inc (see there) with a 5-level page table.
//
// qemu-cpu: rv64,h=false
#define PV_LEVELS 5
#include "priv.h"
#include "priv_vm.inc"
