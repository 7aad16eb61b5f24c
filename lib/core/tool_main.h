// The frame every tool's main() runs in: program name, signals, and the
// mapping of errors to one stderr line and an exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace evt {

// Parses argv with app, then runs work. CLI11 errors exit 2 with one line
// (help and --version exit 0); an Error exits with its code.
int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& work);

// Reads a number of seconds (0 to 1e9) from an option value; throws a usage error.
double parse_seconds(const std::string& option, const std::string& text);
// Reads a port number, 0 to 65535, from an option value; throws a usage error.
int parse_port(const std::string& option, const std::string& text);

}  // namespace evt
