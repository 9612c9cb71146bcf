#include "primer/log.h"

#include <cstdarg>

namespace primer {

bool parse_log_level(std::string_view name, LogLevel* out) {
  struct Entry { std::string_view name; LogLevel level; };
  static constexpr Entry kLevels[] = {{"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
                                      {"warn", LogLevel::kWarn},   {"error", LogLevel::kError},
                                      {"off", LogLevel::kOff}};
  for (const auto& e : kLevels) {
    if (e.name == name) { *out = e.level; return true; }
  }
  return false;
}

void Logger::log(LogLevel level, const char* fmt, ...) {
  if (!enabled(level)) return;
  static constexpr char kTags[] = {'D', 'I', 'W', 'E'};
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(sink_, "[%c] %s\n", kTags[static_cast<int>(level)], buf);
  std::fflush(sink_);
}

}  // namespace primer
