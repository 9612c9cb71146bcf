#pragma once
// ServerImpl: the state shared by the HTTP handlers (see include/primer/serve.h).
// Thread-safety: options and the route table are fixed before run(); the model/scheduler
// pointers are published once by attach() (atomic `ready`); counters are atomics or guarded.

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "primer/chat_template.h"
#include "primer/grammar.h"
#include "primer/serve.h"
#include "serve/openai_request.h"

namespace primer {

struct ServerImpl {
  ServerOptions options;
  httplib::Server http;
  std::atomic<bool> bound{false};
  int port = 0;

  // Set once by attach(), then read-only.
  std::atomic<bool> ready{false};
  const Model* model = nullptr;
  Scheduler* scheduler = nullptr;
  std::optional<ChatTemplate> chat_template;  // empty: the model has none (chat -> 400)
  std::string template_error;
  std::shared_ptr<const TokenTexts> texts;
  serve::RequestLimits limits;
  int64_t created = 0;  // /v1/models "created": server start

  // HTTP responses by (endpoint, status), for /metrics.
  std::mutex counters_mu;
  std::map<std::pair<std::string, int>, uint64_t> responses;
  void count(const std::string& endpoint, int status) {
    std::lock_guard<std::mutex> lock(counters_mu);
    ++responses[{endpoint, status}];
  }

  std::atomic<uint64_t> next_id{1};
  std::string make_id(const char* prefix);

  void routes();
  bool authorized(const httplib::Request& req) const;
  void reply_error(httplib::Response& res, const serve::ApiError& e) const;
  void handle_generation(const httplib::Request& req, httplib::Response& res, bool chat);
  std::string metrics_text();
};

}  // namespace primer
