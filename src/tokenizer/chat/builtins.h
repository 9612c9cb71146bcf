// Global functions visible to every template: jinja2's defaults (range, dict, namespace,
// joiner, cycler; lipsum fails as unsupported) and the two transformers adds
// (raise_exception, strftime_now).
#pragma once

#include <string>

#include "primer/chat_template.h"
#include "primer/error.h"
#include "tokenizer/chat/interpreter.h"

namespace primer::chat {

void install_builtins(Scope& globals);

// Python's datetime.strftime for a naive local time (%z and %Z print nothing).
Result<std::string> py_strftime(const std::string& format, const LocalTime& t);
LocalTime current_local_time();

}  // namespace primer::chat
