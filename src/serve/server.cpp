// Server: HTTP transport, routing, authentication and the small endpoints (models, health,
// metrics). The generation endpoints are in generate_handler.cpp.
#include <chrono>
#include <cstring>
#include <filesystem>

#include "serve/responses.h"
#include "serve/server_impl.h"

namespace primer {

using serve::ApiError;
using serve::Json;

namespace {

// Compares without an early exit, so the time taken does not reveal how much of a key matched.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string endpoint_label(const std::string& path) {
  for (const char* p : {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics"}) {
    if (path.rfind(p, 0) == 0) return p;
  }
  return "other";
}

}  // namespace

std::string ServerImpl::make_id(const char* prefix) {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%llx%06llx", prefix, static_cast<unsigned long long>(now),
                static_cast<unsigned long long>(next_id.fetch_add(1)));
  return buf;
}

bool ServerImpl::authorized(const httplib::Request& req) const {
  if (options.api_keys.empty()) return true;
  const std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0) return false;
  const std::string_view key = std::string_view(auth).substr(kBearer.size());
  bool ok = false;
  for (const std::string& k : options.api_keys) ok |= constant_time_equal(key, k);  // no early exit
  return ok;
}

void ServerImpl::reply_error(httplib::Response& res, const ApiError& e) const {
  res.status = e.status;
  if (e.status == 429) res.set_header("Retry-After", std::to_string(options.retry_after_s));
  res.set_content(serve::dump(e.to_json()), "application/json");
}

void ServerImpl::routes() {
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (!authorized(req)) {
      ApiError e = serve::api_error(401, "authentication_error",
                             "Incorrect API key provided: send 'Authorization: Bearer <key>'.", "invalid_api_key");
      reply_error(res, e);
      count(endpoint_label(req.path), 401);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (!ready.load()) {
      res.status = 503;
      res.set_content(R"({"status":"loading"})", "application/json");
      return;
    }
    const SchedulerStats s = scheduler->stats();
    Json j{{"status", "ok"},
           {"model", options.model_id},
           {"slots_total", s.n_slots},
           {"slots_busy", s.slots_busy},
           {"queue_depth", s.queue_depth}};
    res.set_content(serve::dump(j), "application/json");
  });

  auto model_object = [this] {
    return Json{{"id", options.model_id}, {"object", "model"}, {"created", created}, {"owned_by", "primer"}};
  };
  http.Get("/v1/models", [model_object](const httplib::Request&, httplib::Response& res) {
    Json j{{"object", "list"}, {"data", Json::array({model_object()})}};
    res.set_content(serve::dump(j), "application/json");
  });
  http.Get(R"(/v1/models/(.+))", [this, model_object](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != options.model_id) {
      reply_error(res, serve::api_error(404, "invalid_request_error",
                                 "The model '" + std::string(req.matches[1]) + "' does not exist", "model_not_found"));
      return;
    }
    res.set_content(serve::dump(model_object()), "application/json");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(), "text/plain; version=0.0.4");
  });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_generation(req, res, true);
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_generation(req, res, false);
  });

  // Errors httplib produces itself (unknown path 404, 413 body too large, 400 bad request line)
  // get OpenAI's error body; handlers' own errors already have one.
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    ApiError e;
    e.status = res.status;
    if (res.status == 404) {
      e.message = "Unknown request URL: " + req.method + " " + req.path;
      e.code = "unknown_url";
    } else if (res.status == 413) {
      e.message = "Request body too large: the limit is " + std::to_string(options.max_body_bytes) + " bytes";
      e.code = "request_too_large";
    } else if (res.status == 405) {
      e.message = "Method " + req.method + " not allowed on " + req.path;
    } else {
      e.message = "Bad request";
      if (res.status >= 500) e.type = "server_error";
    }
    res.set_content(serve::dump(e.to_json()), "application/json");
  });
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what += std::string(": ") + ex.what();
    } catch (...) {
    }
    reply_error(res, serve::api_error(500, "server_error", what));
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (res.status != 401) count(endpoint_label(req.path), res.status);
  });
}

// ---- Server ----

Server::Server(std::unique_ptr<ServerImpl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& o) {
  if (o.port < 0 || o.port > 65535) return make_error("[serve] --port %d: must be 0..65535", o.port);
  if (o.model_id.empty()) return Error{"[serve] the model id is empty"};
  if (o.max_body_bytes < 1024) return Error{"[serve] the body size limit must be at least 1024 bytes"};
  if (o.http_threads < 2) return Error{"[serve] http threads must be >= 2"};
  if (o.max_n < 1) return Error{"[serve] max n must be >= 1"};
  for (const std::string& k : o.api_keys) {
    if (k.empty()) return Error{"[serve] an API key is empty"};
  }
  auto impl = std::make_unique<ServerImpl>();
  impl->options = o;
  impl->created = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  ServerImpl* p = impl.get();
  const size_t threads = static_cast<size_t>(o.http_threads);
  p->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  p->http.set_payload_max_length(o.max_body_bytes);
  p->http.set_read_timeout(o.read_timeout_s, 0);
  p->http.set_keep_alive_timeout(o.keep_alive_timeout_s);
  p->http.set_tcp_nodelay(true);
  p->routes();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::bind() {
  ServerImpl& s = *impl_;
  if (s.options.port == 0) {
    const int port = s.http.bind_to_any_port(s.options.host);
    if (port <= 0) return make_error("[serve] cannot bind %s (any port): %s", s.options.host.c_str(), std::strerror(errno));
    s.port = port;
  } else {
    if (!s.http.bind_to_port(s.options.host, s.options.port)) {
      return make_error("[serve] cannot bind %s:%d: %s", s.options.host.c_str(), s.options.port, std::strerror(errno));
    }
    s.port = s.options.port;
  }
  s.bound = true;
  return ok_status();
}

int Server::port() const { return impl_->port; }

void Server::attach(const Model& model, Scheduler& scheduler) {
  ServerImpl& s = *impl_;
  s.model = &model;
  s.scheduler = &scheduler;
  const std::string& src = model.tokenizer().chat_template();
  if (src.empty()) {
    s.template_error = "the model has no chat template; use /v1/completions";
  } else {
    auto t = ChatTemplate::parse(src);
    if (t.ok()) {
      s.chat_template = std::move(t).value();
    } else {
      s.template_error = "the model's chat template cannot be used: " + t.error().message;
    }
  }
  s.texts = scheduler.token_texts();
  s.limits.max_n = s.options.max_n;
  s.limits.max_tokens = s.options.max_tokens > 0 ? s.options.max_tokens : scheduler.n_ctx();
  s.ready = true;
}

Status Server::run() {
  ServerImpl& s = *impl_;
  if (!s.bound) PRIMER_TRY(bind());
  if (!s.http.listen_after_bind()) return Error{"[serve] the listening socket failed"};
  return ok_status();
}

void Server::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace primer
