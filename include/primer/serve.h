#pragma once
// The OpenAI-compatible HTTP server (`primer serve`).
//
//   HTTP threads (cpp-httplib pool)                 owner thread (Scheduler)
//   parse + validate body -> tokens  --submit()-->  continuous batching over one Context
//   wait on the request's Channel    <--events---   deltas, then one kDone per choice
//   write JSON or SSE chunks; a write failure (client gone) -> cancel() frees the slot
//
// HTTP threads never touch the model: they only tokenize, queue work and write bytes.
// Endpoints: POST /v1/chat/completions, POST /v1/completions, GET /v1/models[/{id}],
// GET /health (readiness: 503 while the model loads), GET /metrics (Prometheus text).
// Anything else is a 404 in OpenAI's error shape; no files are ever served.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/model.h"
#include "primer/scheduler.h"

namespace primer {

struct ServerOptions {
  std::string host = "127.0.0.1";     // loopback unless told otherwise
  int port = 8080;                    // 0: any free port (see Server::port())
  std::string model_id;               // the id in /v1/models and responses
  std::vector<std::string> api_keys;  // empty: no authentication
  size_t max_body_bytes = 8u << 20;   // larger bodies: 413
  int64_t max_tokens = 0;             // cap on max_tokens per request; 0: the slot context
  int max_n = 8;                      // largest `n` (choices per request)
  int http_threads = 64;              // connections served at once (streams hold one each)
  int read_timeout_s = 15;            // a request must arrive within this (slow-loris guard)
  int keep_alive_timeout_s = 5;
  int retry_after_s = 1;              // Retry-After of a 429
};

struct ServerImpl;

class Server {
 public:
  // Validates the options; does not bind yet.
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options);
  ~Server();

  // Binds host:port (error names the address and errno text). port() is valid afterwards.
  Status bind();
  int port() const;
  // Makes the model endpoints live (until then they answer 503 and /health says "loading").
  // The model and scheduler must outlive the server.
  void attach(const Model& model, Scheduler& scheduler);
  // Serves until stop() (from another thread or a signal handler thread). Blocks.
  Status run();
  void stop();

 private:
  explicit Server(std::unique_ptr<ServerImpl> impl);
  std::unique_ptr<ServerImpl> impl_;
};

}  // namespace primer
