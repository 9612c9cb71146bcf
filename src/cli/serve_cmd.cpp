// `primer serve`: the OpenAI-compatible HTTP server.
//
//   primer serve -m model.gguf [--host 127.0.0.1] [--port 8080] [--ctx N] [--parallel 4]
//                [--api-key KEY]... [--api-key-file FILE] [--alias NAME]
//
// Binds first (a busy port fails at once), answers /health with 503 while the model loads, then
// serves until SIGINT/SIGTERM. Prints "listening on http://HOST:PORT" on stdout once bound
// (with --port 0 the port is chosen by the system). Each of the --parallel slots holds --ctx
// positions of KV cache.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/generation.h"
#include "primer/scheduler.h"
#include "primer/serve.h"

namespace primer::cli {
namespace {

struct ServeOptions {
  EngineOptions engine;
  ServerOptions server;
  std::string alias;
  std::vector<std::string> api_keys;
  std::string api_key_file;
  int parallel = 4;
  size_t max_queue = 64;
  double max_body_mb = 8;
};

Result<std::vector<std::string>> read_keys(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Error{"--api-key-file '" + path + "': cannot open file"};
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(f, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;  // blank lines and comments
    keys.push_back(line.substr(b));
  }
  if (keys.empty()) return Error{"--api-key-file '" + path + "': no keys in the file"};
  return keys;
}

Status serve(ServeOptions o, Logger& logger) {
  if (o.parallel < 1 || o.parallel > 256) return make_error("--parallel %d: must be 1..256", o.parallel);
  if (o.max_queue < 1) return Error{"--max-queue: must be >= 1"};
  if (!(o.max_body_mb > 0.001 && o.max_body_mb <= 1024)) return Error{"--max-body-mb: must be in (0.001, 1024]"};
  o.server.api_keys = o.api_keys;
  if (!o.api_key_file.empty()) {
    PRIMER_ASSIGN_OR_RETURN(std::vector<std::string> keys, read_keys(o.api_key_file));
    o.server.api_keys.insert(o.server.api_keys.end(), keys.begin(), keys.end());
  }
  o.server.model_id = o.alias.empty() ? std::filesystem::path(o.engine.model_path).stem().string() : o.alias;
  o.server.max_body_bytes = static_cast<size_t>(o.max_body_mb * 1024 * 1024);
  if (o.engine.model_path.empty()) return Error{"-m/--model: no model file given"};
  if (o.engine.threads < 0) return make_error("--threads %d: must be >= 0", o.engine.threads);

  // Signals go to this thread only (sigwait below); SIGPIPE from a vanished client is ignored.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::create(o.server));
  PRIMER_TRY(server->bind());
  std::printf("listening on http://%s:%d\n", o.server.host.c_str(), server->port());
  std::fflush(stdout);
  Status run_status;
  std::thread http([&] { run_status = server->run(); });

  auto loaded = [&]() -> Result<std::pair<std::unique_ptr<Model>, std::unique_ptr<ThreadPool>>> {
    PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::load(o.engine.model_path));
    return std::make_pair(std::move(model), std::make_unique<ThreadPool>(o.engine.threads));
  }();
  if (!loaded.ok()) {
    server->stop();
    http.join();
    return loaded.error();
  }
  auto [model, pool] = std::move(loaded).value();
  SchedulerOptions so;
  so.n_slots = o.parallel;
  so.n_ctx = o.engine.n_ctx;
  so.n_batch = o.engine.n_batch;
  so.max_queue = o.max_queue;
  if (o.engine.kv_type == "f32") {
    so.kv_type = QuantType::kF32;
  } else if (o.engine.kv_type != "f16") {
    server->stop();
    http.join();
    return Error{"--kv-type '" + o.engine.kv_type + "': expected f16 or f32"};
  }
  auto scheduler = Scheduler::create(*model, *pool, so);
  if (!scheduler.ok()) {
    server->stop();
    http.join();
    return scheduler.error();
  }
  server->attach(*model, **scheduler);
  logger.log(LogLevel::kInfo, "[serve] model %s ready: %d slots of %lld positions, %d threads", o.server.model_id.c_str(),
              o.parallel, static_cast<long long>((*scheduler)->n_ctx()), static_cast<int>(pool->size()));

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    server->stop();
  });
  http.join();
  // The server stopped by itself (socket failure): wake the waiter.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  scheduler->reset();  // cancels what is left before the model goes
  return run_status;
}

}  // namespace

void register_serve(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
  add_engine_flags(sub, o->engine);
  sub->add_option("--host", o->server.host, "Address to bind (0.0.0.0: every interface)")->capture_default_str();
  sub->add_option("--port", o->server.port, "TCP port (0: any free port)")->capture_default_str();
  sub->add_option("-P,--parallel", o->parallel, "Sequences decoded together (slots)")->capture_default_str();
  sub->add_option("--api-key", o->api_keys, "Accepted API key (repeatable; none: no authentication)");
  sub->add_option("--api-key-file", o->api_key_file, "File with one API key per line (# comments)");
  sub->add_option("--alias", o->alias, "Model id in /v1/models (default: the file name without .gguf)");
  sub->add_option("--max-queue", o->max_queue, "Requests waiting for a slot before 429")->capture_default_str();
  sub->add_option("--max-tokens", o->server.max_tokens, "Largest max_tokens per request (0: the slot context)")
      ->capture_default_str();
  sub->add_option("--max-n", o->server.max_n, "Largest n (choices per request)")->capture_default_str();
  sub->add_option("--max-body-mb", o->max_body_mb, "Largest request body in MiB (413 above)")->capture_default_str();
  sub->add_option("--http-threads", o->server.http_threads, "Connections served at once")->capture_default_str();
  sub->add_option("--read-timeout", o->server.read_timeout_s, "Seconds a client may take to send its request")
      ->capture_default_str();
  sub->callback([o, &ctx] {
    Status s = serve(*o, ctx.logger);
    if (!s.ok()) {
      std::fprintf(stderr, "primer serve: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
