# Multi-hart guest programs (issue "SMP"): shared-memory atomics, memory-ordering litmus tests
# and inter-processor interrupts, each run as `rvisor exec --cpus 4`. Every case carries the
# label `smp` (ctest -L smp; `make tsan` runs them under ThreadSanitizer).
# Included from tests/isa/CMakeLists.txt after guest_programs.cmake (rvisor_guest_program).
if(NOT COMMAND rvisor_guest_program)
    return()
endif()

set(RVISOR_SMP_HARTS 4)
# Contended host atomics are ~30x slower under ThreadSanitizer (make tsan): allow more time.
set(RVISOR_SMP_TIMEOUT ${RVISOR_GUEST_TIMEOUT})
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
    set(RVISOR_SMP_TIMEOUT 120)
endif()

# rvisor_smp_program(<name> [ARGS exec-arg...] [REPEAT n])
#   Builds <name>.S like rvisor_guest_program and registers ctest case isa.<name>:
#   `rvisor exec --cpus 4 --timeout T [ARGS...] <name>.elf` (T = 20 s, 120 s in a sanitizer
#   build). With REPEAT n it also registers
#   isa.<name>_repeat, which runs the same command n times in a row (tests/isa/repeat) and
#   fails at the first failing run.
function(rvisor_smp_program name)
    cmake_parse_arguments(ARG "" "REPEAT" "ARGS" ${ARGN})
    rvisor_guest_program(${name} NO_TEST)
    if(NOT TARGET rvisor)
        return()
    endif()
    set(elf ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
    set(cmd $<TARGET_FILE:rvisor> exec --cpus ${RVISOR_SMP_HARTS}
        --timeout ${RVISOR_SMP_TIMEOUT} ${ARG_ARGS} ${elf})
    math(EXPR ctest_timeout "${RVISOR_SMP_TIMEOUT} + 10")
    add_test(NAME isa.${name} COMMAND ${cmd} --engine interp)
    # RUN_SERIAL: the harts spin on shared words and never yield the host CPU, so with other
    # busy tests on the same cores every hand-over between harts costs a scheduler slice.
    set_tests_properties(isa.${name} PROPERTIES
        TIMEOUT ${ctest_timeout} LABELS "isa;smp" RUN_SERIAL TRUE)
    # The same under the JIT (no --check: other harts change memory between the compiled
    # run and the interpreter's replay of a block, so lock-step needs a single hart).
    add_test(NAME isa.jit.${name} COMMAND ${cmd} --engine jit --jit-threshold 1)
    set_tests_properties(isa.jit.${name} PROPERTIES
        TIMEOUT ${ctest_timeout} LABELS "isa;smp" RUN_SERIAL TRUE)
    if(ARG_REPEAT)
        add_test(NAME isa.${name}_repeat
            COMMAND ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/repeat ${ARG_REPEAT} ${cmd})
        # Each run has its own --timeout; this bounds the whole loop.
        set_tests_properties(isa.${name}_repeat PROPERTIES
            TIMEOUT 600 LABELS "isa;smp" RUN_SERIAL TRUE)
    endif()
endfunction()

rvisor_smp_program(smp_counters REPEAT 20)
rvisor_smp_program(smp_litmus)
rvisor_smp_program(smp_ipi)
