// Reads a VM definition from a JSON file into a machine::VmConfig. Unknown keys and wrong
// types are errors naming the file and the field; nothing is guessed.
#pragma once

#include <filesystem>
#include <stdexcept>

#include "machine/vm_config.hpp"

namespace rvisor::cli {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Keys: name (string), cpus (integer 1..64), memory (string like "512M" or integer bytes),
// kernel, initrd, firmware (paths, relative to the file's folder), append (string),
// console ("stdio", "file:PATH", "socket:PATH"), disks (array of {path, format: "raw" or
// "qcow2", readonly: bool, serial: string}). Throws ConfigError.
void apply_config_file(const std::filesystem::path& file, machine::VmConfig& config);

// Parses a --console value. Throws ConfigError.
machine::ConsoleConfig parse_console(const std::string& text);

}  // namespace rvisor::cli
