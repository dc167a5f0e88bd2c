# Bare-metal RISC-V guest programs: self-checking ISA tests and hello.elf (used by `make run`).
#
# Each program is built at build time with Debian's cross compiler into
# ${CMAKE_CURRENT_BINARY_DIR}/<name>.elf (target isa_programs, part of ALL). Each test program
# is a ctest case isa.<name> running `rvisor exec` once the CLI target `rvisor` exists.
# Validate programs against QEMU by hand with tests/isa/run-under-qemu.
#
# Adding a program is one line, e.g. an FP test built for another ISA string:
#   rvisor_guest_program(rv64f MARCH rv64gc MABI lp64d)

find_program(RVISOR_RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT RVISOR_RISCV_GCC)
    message(FATAL_ERROR
        "riscv64-unknown-elf-gcc not found: the guest test programs need the RISC-V "
        "cross compiler. Install the Debian package gcc-riscv64-unknown-elf "
        "(apt-get install gcc-riscv64-unknown-elf), or run scripts/install-deps.")
endif()

# Settings shared by every guest program. CACHE INTERNAL so that rvisor_guest_program() also
# works when called from other directories (e.g. bench/).
set(RVISOR_GUEST_COMMON ${CMAKE_CURRENT_LIST_DIR}/common CACHE INTERNAL
    "tests/isa/common: test.h, link.ld, runtime.S, crt0.S")
set(RVISOR_GUEST_DEFAULT_MARCH rv64imac_zicsr_zifencei CACHE INTERNAL "default guest -march")
set(RVISOR_GUEST_DEFAULT_MABI lp64 CACHE INTERNAL "default guest -mabi")
# Timeout for one program under rvisor, in seconds (the ctest TIMEOUT is a bit larger).
set(RVISOR_GUEST_TIMEOUT 20 CACHE INTERNAL "rvisor exec --timeout for guest tests")

add_custom_target(isa_programs ALL)

# rvisor_guest_program(<name>
#     [SOURCES file...]       default: <name>.S, or <name>.c if that exists; relative paths
#                             are relative to the calling directory's source folder
#     [MARCH isa] [MABI abi]  default: rv64imac_zicsr_zifencei / lp64
#     [NO_RUNTIME]            do not link common/runtime.S (the program brings its own _start)
#     [NO_TEST]               build the ELF only, register no ctest case
#     [PASS_REGEX regex]      the case also requires this regex in rvisor's output)
function(rvisor_guest_program name)
    cmake_parse_arguments(ARG "NO_RUNTIME;NO_TEST" "MARCH;MABI;PASS_REGEX" "SOURCES" ${ARGN})
    if(NOT ARG_SOURCES)
        if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.c)
            set(ARG_SOURCES ${name}.c)
        else()
            set(ARG_SOURCES ${name}.S)
        endif()
    endif()
    if(NOT ARG_MARCH)
        set(ARG_MARCH ${RVISOR_GUEST_DEFAULT_MARCH})
    endif()
    if(NOT ARG_MABI)
        set(ARG_MABI ${RVISOR_GUEST_DEFAULT_MABI})
    endif()

    set(sources "")
    foreach(src IN LISTS ARG_SOURCES)
        if(IS_ABSOLUTE ${src})
            list(APPEND sources ${src})
        else()
            list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${src})
        endif()
    endforeach()
    if(NOT ARG_NO_RUNTIME)
        list(APPEND sources ${RVISOR_GUEST_COMMON}/runtime.S)
    endif()

    set(elf ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
    add_custom_command(
        OUTPUT ${elf}
        COMMAND ${RVISOR_RISCV_GCC}
            -march=${ARG_MARCH} -mabi=${ARG_MABI} -mcmodel=medany -mno-relax
            -nostdlib -nostartfiles -static -ffreestanding
            -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pic
            -O2 -g -Wall -Wextra
            -Wa,--fatal-warnings -Wl,--no-warn-rwx-segments
            -T ${RVISOR_GUEST_COMMON}/link.ld -I ${RVISOR_GUEST_COMMON}
            -o ${elf} ${sources}
        DEPENDS
            ${sources}
            ${RVISOR_GUEST_COMMON}/test.h
            ${RVISOR_GUEST_COMMON}/link.ld
            ${RVISOR_GUEST_COMMON}/runtime.S
            ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
        COMMENT "Building RISC-V guest program ${name}.elf"
        VERBATIM)
    add_custom_target(isa_program_${name} DEPENDS ${elf})
    add_dependencies(isa_programs isa_program_${name})

    if(NOT ARG_NO_TEST AND TARGET rvisor)
        # Every program runs under both engines: isa.<name> in the interpreter, isa.jit.<name>
        # with the JIT, and isa.jit_check.<name> with the JIT in lock-step check mode (each
        # compiled block replayed in the interpreter and compared).
        math(EXPR ctest_timeout "${RVISOR_GUEST_TIMEOUT} + 10")
        # The JIT variants compile every block on its first run (--jit-threshold 1), so the
        # compiled code runs each instruction the program checks, not just its hot loops.
        foreach(variant "isa.${name}|interp" "isa.jit.${name}|jit;--jit-threshold;1"
                        "isa.jit_check.${name}|jit;--jit-threshold;1;--check")
            string(REPLACE "|" ";" parts "${variant}")
            list(POP_FRONT parts test_name)
            add_test(NAME ${test_name}
                COMMAND $<TARGET_FILE:rvisor> exec --timeout ${RVISOR_GUEST_TIMEOUT}
                        --engine ${parts} ${elf})
            set_tests_properties(${test_name} PROPERTIES TIMEOUT ${ctest_timeout} LABELS isa)
            if(ARG_PASS_REGEX)
                # PASS_REGULAR_EXPRESSION replaces the exit-status check: it is the output
                # that must show the program ran to the end.
                set_tests_properties(${test_name} PROPERTIES
                    PASS_REGULAR_EXPRESSION "${ARG_PASS_REGEX}")
            endif()
        endforeach()
    endif()
endfunction()

# Self-checking test programs, one per instruction group (see each file's header comment).
foreach(program
        rv64i_alu
        rv64i_word
        rv64i_branch
        rv64i_jump
        rv64i_loadstore
        rv64m
        rv64a
        rv64a_misaligned
        rv64c
        zicsr
        traps
        traps_strict
        fence
        misaligned)
    rvisor_guest_program(${program})
endforeach()

# Spike/HTIF convention (tohost/fromhost) instead of the test device: brings its own _start.
rvisor_guest_program(htif NO_RUNTIME)

# `make run`'s program; the ctest case requires its greeting.
rvisor_guest_program(hello SOURCES hello.c common/crt0.S PASS_REGEX "Hello from rvisor!")
