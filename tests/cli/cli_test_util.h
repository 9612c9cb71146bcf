// Shared by the CLI tests: run the built `primer` binary with captured output.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace primer::testing {

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `primer <args>` (args are shell words, quoted by the caller) with stdout and stderr
// captured through files in `dir`, and stdin from `stdin_file` (or /dev/null).
inline RunResult run_primer(const std::string& args, const std::filesystem::path& dir,
                            const std::string& stdin_file = "") {
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  std::string cmd = std::string("'") + PRIMER_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  cmd += " <'" + (stdin_file.empty() ? std::string("/dev/null") : stdin_file) + "'";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace primer::testing
