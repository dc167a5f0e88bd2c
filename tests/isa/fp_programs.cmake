# Floating-point guest programs (F and D extensions, mstatus.FS and the FP CSRs). Included
# from tests/isa/CMakeLists.txt after guest_programs.cmake, which defines
# rvisor_guest_program(). Shared helpers: fp_test.h. Validated against QEMU 7.2 with
# tests/isa/run-under-qemu, except fp_strict ("qemu: skip"), which checks an FS rule QEMU
# 7.2 breaks.
foreach(program rv64f rv64d fp_status fp_strict)
    rvisor_guest_program(${program} MARCH rv64gc MABI lp64d)
endforeach()
