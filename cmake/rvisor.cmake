# rvisor_library(NAME SOURCES ... DEPS ...)
#
# Each src/ folder is one library. Its headers are reachable as "NAME/header.hpp" only by
# targets that link it: the include root is a per-library folder in the build tree holding a
# single link NAME -> src/NAME, so an include against the data flow fails to compile.
function(rvisor_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;EXTERNAL" ${ARGN})
    set(root ${CMAKE_BINARY_DIR}/include-roots/${name})
    file(MAKE_DIRECTORY ${root})
    if(NOT EXISTS ${root}/${name})
        file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${name} ${root}/${name} SYMBOLIC)
    endif()
    if(ARG_SOURCES)
        add_library(rvisor_${name} STATIC ${ARG_SOURCES})
        target_include_directories(rvisor_${name} PUBLIC ${root})
        target_link_libraries(rvisor_${name} PUBLIC ${ARG_DEPS} ${ARG_EXTERNAL})
    else()
        add_library(rvisor_${name} INTERFACE)
        target_include_directories(rvisor_${name} INTERFACE ${root})
        target_link_libraries(rvisor_${name} INTERFACE ${ARG_DEPS} ${ARG_EXTERNAL})
    endif()
endfunction()

# rvisor_unit_test(NAME SOURCES ... DEPS ...): one GoogleTest binary, each test a ctest case.
find_package(GTest REQUIRED)
include(GoogleTest)
function(rvisor_unit_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main)
    gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 30)
endfunction()
