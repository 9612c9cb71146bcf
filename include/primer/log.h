// Logging with levels. A Logger is an object you pass (no global logger); it is thread-safe.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace primer {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn", "error", "off". Returns false on an unknown name.
bool parse_log_level(std::string_view name, LogLevel* out);

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo, std::FILE* sink = stderr) : level_(level), sink_(sink) {}

  LogLevel level() const { return level_; }
  void set_level(LogLevel level) { level_ = level; }
  bool enabled(LogLevel level) const { return level >= level_ && level_ != LogLevel::kOff; }

  // printf-style; each call writes one line "[I] message".
  void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void debug(const std::string& msg) { log(LogLevel::kDebug, "%s", msg.c_str()); }
  void info(const std::string& msg) { log(LogLevel::kInfo, "%s", msg.c_str()); }
  void warn(const std::string& msg) { log(LogLevel::kWarn, "%s", msg.c_str()); }
  void error(const std::string& msg) { log(LogLevel::kError, "%s", msg.c_str()); }

 private:
  LogLevel level_;
  std::FILE* sink_;
  std::mutex mu_;
};

}  // namespace primer
