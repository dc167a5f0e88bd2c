// priv_sv48.S - Sv48 paging: the checks of priv_vm.inc (see there) with a 4-level page table.
//
// qemu-cpu: rv64,h=false
#define PV_LEVELS 4
#include "priv.h"
#include "priv_vm.inc"
