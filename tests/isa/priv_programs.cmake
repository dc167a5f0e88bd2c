# Privileged-architecture guest programs (priv_*.S): modes and traps, interrupts, Sv39/48/57
# paging, PMP. Included from tests/isa/CMakeLists.txt after guest_programs.cmake, which
# defines rvisor_guest_program(). Each links common/priv_runtime.S (trap handlers with mode
# switching, page-table builder; see common/priv.h) besides the usual runtime.
#
# Validated against QEMU 7.2 with tests/isa/run-under-qemu (the programs carry a
# "qemu-cpu: rv64,h=false" marker so QEMU's misa matches rvisor's RV64IMAFDCSU), except
# priv_strict, which checks spec rules QEMU 7.2 breaks and is marked "qemu: skip".
# Each check's failure path is proven by rebuilding with -DRT_MUTATE=N (see common/test.h).

if(NOT COMMAND rvisor_guest_program)
    return()
endif()

set(RVISOR_PRIV_COMMON
    ${RVISOR_GUEST_COMMON}/priv.h
    ${RVISOR_GUEST_COMMON}/priv_runtime.S)

# rvisor_priv_program(<name> [EXTRA_DEPENDS file...]): <name>.S + priv_runtime.S, RV64GC.
function(rvisor_priv_program name)
    cmake_parse_arguments(ARG "" "" "EXTRA_DEPENDS" ${ARGN})
    rvisor_guest_program(${name}
        SOURCES ${name}.S ${RVISOR_GUEST_COMMON}/priv_runtime.S
        MARCH rv64gc_zicsr_zifencei MABI lp64d)
    # rvisor_guest_program's command depends on test.h and runtime.S only; add priv.h and
    # anything the program #includes.
    set(extra "")
    foreach(f IN LISTS ARG_EXTRA_DEPENDS)
        list(APPEND extra ${CMAKE_CURRENT_SOURCE_DIR}/${f})
    endforeach()
    add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf APPEND
        DEPENDS ${RVISOR_PRIV_COMMON} ${extra})
endfunction()

rvisor_priv_program(priv_modes)
rvisor_priv_program(priv_interrupts)
# Interrupt priority: validated under QEMU with x-smaia / x-ssaia (see the file's header).
rvisor_priv_program(priv_irq_priority)
# One source, three page-table formats: each wrapper sets PV_LEVELS and includes priv_vm.inc.
rvisor_priv_program(priv_sv39 EXTRA_DEPENDS priv_vm.inc)
rvisor_priv_program(priv_sv48 EXTRA_DEPENDS priv_vm.inc)
rvisor_priv_program(priv_sv57 EXTRA_DEPENDS priv_vm.inc)
rvisor_priv_program(priv_pmp)
# Spec rules where QEMU 7.2 deviates (WARL legalisation and the like): rvisor only.
rvisor_priv_program(priv_strict)
