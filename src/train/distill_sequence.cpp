// Sequence-level distillation (Kim & Rush 2016): the teacher answers a prompt set through the
// engine's continuous-batching Scheduler (n_parallel answers decoded together, each with its own
// seed, so an answer does not depend on what it was batched with), the answers are written as
// chat JSONL, prepared as a kChat shard (loss on the assistant's tokens only) and the student is
// fine-tuned on them with run_training.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "primer/chat_template.h"
#include "primer/distill.h"
#include "primer/scheduler.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

Status write_text_atomic(const std::string& path, const std::string& text) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return make_error("[distill] cannot write '%s': %s", tmp.c_str(), std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  if (std::fclose(f) != 0 || !ok) {
    fs::remove(tmp, ec);
    return make_error("[distill] writing '%s' failed: %s", tmp.c_str(), std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) return make_error("[distill] renaming '%s' failed: %s", tmp.c_str(), ec.message().c_str());
  return ok_status();
}

struct Answer {
  std::string text;
  FinishReason finish = FinishReason::kStop;
  std::string error;
  int64_t completion_tokens = 0;
  bool done = false;
};

}  // namespace

Result<std::vector<ordered_json>> read_prompt_set(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("[distill] --prompts '%s': cannot open: %s", path.c_str(), std::strerror(errno));
  std::vector<ordered_json> out;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto fail = [&](const std::string& what) {
      return Error{"[distill] " + path + ":" + std::to_string(line_no) + ": " + what};
    };
    ordered_json row = ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded() || !row.is_object()) return fail("not a JSON object");
    ordered_json messages = ordered_json::array();
    if (row.contains("messages")) {
      const auto& m = row["messages"];
      if (!m.is_array() || m.empty()) return fail("\"messages\" must be a non-empty array");
      for (const auto& msg : m) {
        if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string() || !msg.contains("content") ||
            !msg["content"].is_string()) {
          return fail("each message needs string \"role\" and \"content\"");
        }
        messages.push_back(ordered_json{{"role", msg["role"]}, {"content", msg["content"]}});
      }
      // A transcript that already ends with an answer: the teacher answers its last user turn.
      while (!messages.empty() && messages.back()["role"] == "assistant") messages.erase(messages.end() - 1);
      if (messages.empty()) return fail("no user message to answer");
    } else if (row.contains("prompt") && row["prompt"].is_string()) {
      if (row.contains("system") && row["system"].is_string()) {
        messages.push_back(ordered_json{{"role", "system"}, {"content", row["system"]}});
      }
      messages.push_back(ordered_json{{"role", "user"}, {"content", row["prompt"]}});
    } else {
      return fail("expected \"messages\": [...] or \"prompt\": \"...\"");
    }
    out.push_back(std::move(messages));
  }
  if (out.empty()) return make_error("[distill] --prompts '%s': no prompts", path.c_str());
  return out;
}

Result<TeacherResponsesReport> generate_teacher_responses(const SequenceDistillOptions& o, const std::string& out_path,
                                                          int threads, Logger& logger) {
  if (o.max_tokens < 1) return make_error("[distill] --max-tokens %lld: must be >= 1", static_cast<long long>(o.max_tokens));
  if (o.n_parallel < 1) return make_error("[distill] --parallel %d: must be >= 1", o.n_parallel);
  PRIMER_TRY(o.sampling.validate());
  PRIMER_ASSIGN_OR_RETURN(std::vector<ordered_json> prompts, read_prompt_set(o.prompts));
  auto loaded = Model::load(o.teacher);
  if (!loaded.ok()) return loaded.error().wrap("[distill] teacher '" + o.teacher + "' does not load");
  std::unique_ptr<Model> teacher = std::move(loaded).value();
  const Tokenizer& tok = teacher->tokenizer();
  const std::string source = o.chat_template.empty() ? tok.chat_template() : o.chat_template;
  if (source.empty()) {
    return make_error("[distill] teacher '%s' has no chat template; pass --chat-template FILE", o.teacher.c_str());
  }
  auto tmpl = ChatTemplate::parse(source);
  if (!tmpl.ok()) return tmpl.error().wrap("[distill] chat template");
  ChatRenderOptions ro;
  ro.add_generation_prompt = true;
  if (tok.bos()) ro.bos_token = tok.bos_text();
  if (tok.eos()) ro.eos_token = tok.eos_text();

  // Declared before the scheduler: its destructor may still call the sinks (cancelled requests).
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Answer> answers(prompts.size());
  size_t n_done = 0;
  ThreadPool pool(threads);
  SchedulerOptions so;
  so.n_slots = o.n_parallel;
  so.n_ctx = o.n_ctx;
  so.max_queue = prompts.size() + 1;
  auto created = Scheduler::create(*teacher, pool, so);
  if (!created.ok()) return created.error().wrap("[distill] teacher scheduler");
  std::unique_ptr<Scheduler> scheduler = std::move(created).value();

  const auto t0 = std::chrono::steady_clock::now();
  logger.log(LogLevel::kInfo, "teacher: answering %zu prompts from '%s' (%d at a time, max %lld tokens each)",
             prompts.size(), o.prompts.c_str(), o.n_parallel, static_cast<long long>(o.max_tokens));
  for (size_t i = 0; i < prompts.size(); ++i) {
    PRIMER_ASSIGN_OR_RETURN(std::string rendered, render_chat(*tmpl, prompts[i], ro));
    EncodeOptions eo;
    eo.add_special = false;
    eo.parse_special = true;
    GenerationRequest req;
    req.prompt = tok.encode(rendered, eo);
    if (tok.add_bos() && tok.bos() && (req.prompt.empty() || req.prompt.front() != *tok.bos())) {
      req.prompt.insert(req.prompt.begin(), *tok.bos());
    }
    req.sampling = o.sampling;
    req.sampling.seed = o.sampling.seed + i;  // one stream per prompt: independent of batching
    req.max_tokens = o.max_tokens;
    req.stop = o.stops;
    auto sub = scheduler->submit(std::move(req), [&, i](GenerationEvent&& ev) {
      std::lock_guard<std::mutex> lock(mu);
      Answer& a = answers[i];
      a.text += ev.text;
      if (ev.kind == GenerationEvent::Kind::kDone) {
        a.finish = ev.finish;
        a.error = ev.error;
        a.completion_tokens = ev.completion_tokens;
        a.done = true;
        ++n_done;
        cv.notify_all();
      }
    });
    if (!sub.ok()) {
      return make_error("[distill] prompt %zu of '%s': %s", i + 1, o.prompts.c_str(), sub.refusal->message.c_str());
    }
  }
  auto last_log = t0;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (n_done < prompts.size()) {
      cv.wait_for(lock, std::chrono::seconds(5));
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_log).count() >= 5.0) {
        last_log = now;
        logger.log(LogLevel::kInfo, "teacher: %zu/%zu answers", n_done, prompts.size());
      }
    }
  }
  scheduler.reset();

  TeacherResponsesReport report;
  std::string text;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Answer& a = answers[i];
    if (a.finish == FinishReason::kError) {
      return make_error("[distill] prompt %zu: teacher generation failed: %s", i + 1, a.error.c_str());
    }
    ordered_json row;
    row["messages"] = prompts[i];
    row["messages"].push_back(ordered_json{{"role", "assistant"}, {"content", a.text}});
    row["provenance"] = ordered_json{{"teacher", fs::path(o.teacher).filename().string()},
                                     {"prompt_index", i},
                                     {"seed", o.sampling.seed + i},
                                     {"temperature", o.sampling.temperature},
                                     {"finish", finish_reason_name(a.finish)},
                                     {"completion_tokens", a.completion_tokens}};
    text += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text += '\n';
    report.completion_tokens += a.completion_tokens;
  }
  PRIMER_TRY(write_text_atomic(out_path, text));
  report.n_responses = static_cast<int64_t>(prompts.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  logger.log(LogLevel::kInfo, "teacher: %lld answers, %lld tokens in %.1f s (%.0f tok/s) -> %s",
             static_cast<long long>(report.n_responses), static_cast<long long>(report.completion_tokens),
             report.seconds, report.seconds > 0 ? static_cast<double>(report.completion_tokens) / report.seconds : 0.0,
             out_path.c_str());
  return report;
}

Result<DistillReport> run_sequence_distillation(const Recipe& recipe, const SequenceDistillOptions& o, Logger& logger) {
  if (o.teacher.empty()) return Error{"[distill] --teacher: a teacher GGUF is required"};
  if (o.prompts.empty()) return Error{"[distill] --mode sequence needs --prompts P.jsonl"};
  // The vocabulary check before the teacher spends any time.
  {
    auto loaded = Model::load(o.teacher, ModelLoadOptions{.vocab_only = true});
    if (!loaded.ok()) return loaded.error().wrap("[distill] teacher '" + o.teacher + "' does not load");
    if (!recipe.tokenizer.empty()) {
      auto tok = load_tokenizer_any(recipe.tokenizer);
      if (!tok.ok()) return tok.error().wrap("[distill] recipe tokenizer '" + recipe.tokenizer + "'");
      const uint64_t th = tokenizer_vocab_hash((*loaded)->tokenizer());
      const uint64_t sh = tokenizer_vocab_hash(**tok);
      if (th != sh) {
        return make_error(
            "[distill] vocabulary mismatch: the teacher's tokenizer has %zu tokens (vocab hash 0x%016llx), the "
            "recipe's tokenizer '%s' has %zu (vocab hash 0x%016llx); teacher and student must share one vocabulary",
            (*loaded)->tokenizer().vocab_size(), static_cast<unsigned long long>(th), recipe.tokenizer.c_str(),
            (*tok)->vocab_size(), static_cast<unsigned long long>(sh));
      }
    }
  }
  DistillReport report;
  report.responses_path = o.responses_path.empty() ? (fs::path(recipe.out_dir) / "teacher-responses.jsonl").string()
                                                   : o.responses_path;
  if (o.resume && fs::exists(report.responses_path)) {
    logger.log(LogLevel::kInfo, "resume: reusing the teacher's answers in %s", report.responses_path.c_str());
  } else {
    PRIMER_ASSIGN_OR_RETURN(TeacherResponsesReport r,
                            generate_teacher_responses(o, report.responses_path, recipe.threads, logger));
    report.n_responses = r.n_responses;
  }

  PrepareOptions po;
  po.tokenizer = recipe.tokenizer.empty() ? o.teacher : recipe.tokenizer;
  po.out_dir = (fs::path(recipe.out_dir) / "sequence-data").string();
  po.format = InputFormat::kChat;
  po.val_fraction = recipe.val_data.empty() ? o.val_fraction : 0.0;
  po.seed = recipe.seed;
  {
    ThreadPool pool(recipe.threads);
    PRIMER_ASSIGN_OR_RETURN(PrepareReport pr, prepare_data({report.responses_path}, po, pool, logger));
    logger.log(LogLevel::kInfo, "sequence data: %lld train / %lld val conversations, %lld / %lld tokens",
               static_cast<long long>(pr.n_docs_train), static_cast<long long>(pr.n_docs_val),
               static_cast<long long>(pr.n_tokens_train), static_cast<long long>(pr.n_tokens_val));
  }
  Recipe r = recipe;
  r.train_data = (fs::path(po.out_dir) / "train.bin").string();
  if (r.val_data.empty() && fs::exists(fs::path(po.out_dir) / "val.bin")) {
    r.val_data = (fs::path(po.out_dir) / "val.bin").string();
  }
  if (r.tokenizer.empty()) r.tokenizer = o.teacher;
  TrainRunOptions ro;
  ro.resume = o.resume;
  ro.on_step = o.on_step;
  PRIMER_ASSIGN_OR_RETURN(report.train, run_training(r, ro, logger));
  return report;
}

}  // namespace primer::train
