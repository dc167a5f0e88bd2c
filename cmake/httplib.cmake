# rvisor_httplib: Debian's cpp-httplib (libcpp-httplib-dev) as one target for every user
# (src/api, src/vmm). Debian builds the library with OpenSSL, zlib and Brotli support, which
# changes the layout of its classes: every translation unit that includes httplib.h must see
# the same definitions (cpp-httplib.pc's Cflags), or the program crashes at run time.
find_library(HTTPLIB_LIB cpp-httplib REQUIRED)
find_path(HTTPLIB_INCLUDE httplib.h REQUIRED)
find_package(OpenSSL REQUIRED)
add_library(rvisor_httplib INTERFACE)
target_include_directories(rvisor_httplib INTERFACE ${HTTPLIB_INCLUDE})
target_compile_definitions(rvisor_httplib INTERFACE
    CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
target_link_libraries(rvisor_httplib INTERFACE ${HTTPLIB_LIB} OpenSSL::SSL)
