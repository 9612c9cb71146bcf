// Generation plumbing shared by the engine commands (see generation.h).
#include "cli/generation.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace primer::cli {

Result<std::string> read_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{std::string(what) + " '" + path + "': cannot open file"};
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Error{std::string(what) + " '" + path + "': read error"};
  return ss.str();
}

Result<Engine> open_engine(const EngineOptions& o) {
  if (o.model_path.empty()) return Error{"-m/--model: no model file given"};
  ContextOptions co;
  if (o.kv_type == "f16") {
    co.kv_type = QuantType::kF16;
  } else if (o.kv_type == "f32") {
    co.kv_type = QuantType::kF32;
  } else {
    return Error{"--kv-type '" + o.kv_type + "': expected f16 or f32"};
  }
  if (o.threads < 0) return make_error("--threads %d: must be >= 0 (0: one per core)", o.threads);
  if (o.n_ctx < 0) return make_error("--ctx %lld: must be >= 0", static_cast<long long>(o.n_ctx));
  co.n_ctx = o.n_ctx;
  co.n_batch = o.n_batch;
  Engine e;
  ModelLoadOptions lo;
  // PRIMER_NO_REPACK=1 keeps every matrix in its file layout (A/B benchmarks of the repacking).
  const char* no_repack = std::getenv("PRIMER_NO_REPACK");
  lo.repack = no_repack == nullptr || std::strcmp(no_repack, "1") != 0;
  PRIMER_ASSIGN_OR_RETURN(e.model, Model::load(o.model_path, lo));
  e.pool = std::make_unique<ThreadPool>(o.threads);
  PRIMER_ASSIGN_OR_RETURN(e.ctx, Context::create(*e.model, *e.pool, co));
  return e;
}

// ---- Sequence ----

Sequence::Sequence(Context& ctx, int seq) : ctx_(ctx), seq_(seq) {
  PRIMER_CHECK(ctx.seq_len(seq) == 0);  // the mirror starts empty, like the cache
  tokens_.reserve(static_cast<size_t>(ctx.n_ctx()));
}

Status Sequence::append(std::span<const int32_t> tokens, const RowFn& on_row, size_t rows_from) {
  if (tokens.empty()) return ok_status();
  if (static_cast<int64_t>(tokens_.size() + tokens.size()) > ctx_.n_ctx()) {
    return make_error("[generate] %zu tokens do not fit in the context: %zu cached + %zu new > --ctx %lld",
                      tokens_.size() + tokens.size(), tokens_.size(), tokens.size(),
                      static_cast<long long>(ctx_.n_ctx()));
  }
  const size_t n_batch = static_cast<size_t>(ctx_.n_batch());
  for (size_t begin = 0; begin < tokens.size(); begin += n_batch) {
    const size_t end = std::min(tokens.size(), begin + n_batch);
    const bool last_chunk = end == tokens.size();
    batch_.clear();
    for (size_t i = begin; i < end; ++i) {
      const bool logits = (on_row && i >= rows_from) || (last_chunk && i + 1 == end);
      batch_.add(tokens[i], seq_, static_cast<int64_t>(tokens_.size()), logits);
      tokens_.push_back(tokens[i]);
    }
    Status s = ctx_.decode(batch_);
    if (!s.ok()) {
      // decode() changed nothing: forget this chunk's tokens in the mirror too
      tokens_.resize(tokens_.size() - (end - begin));
      return s;
    }
    if (on_row) {
      for (size_t i = std::max(begin, rows_from); i < end; ++i) on_row(i, ctx_.logits(i - begin));
    }
    if (last_chunk) {
      auto l = ctx_.logits(end - 1 - begin);
      last_logits_.assign(l.begin(), l.end());
    }
  }
  return ok_status();
}

void Sequence::truncate(size_t n_keep) {
  PRIMER_CHECK(n_keep <= tokens_.size());
  ctx_.seq_truncate(seq_, static_cast<int64_t>(n_keep));
  tokens_.resize(n_keep);
  if (n_keep == 0) last_logits_.clear();
}

// ---- generate ----

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kEos: return "eos";
    case StopReason::kStopString: return "stop string";
    case StopReason::kLength: return "length";
    case StopReason::kContextFull: return "context full";
  }
  return "?";
}

Result<GenerateResult> generate(Sequence& seq, Sampler& sampler, const Tokenizer& tok,
                                const GenerateOptions& o,
                                const std::function<void(std::string_view)>& on_text) {
  PRIMER_CHECK(!seq.last_logits().empty());
  const auto t0 = std::chrono::steady_clock::now();
  GenerateResult r;
  StreamDecoder decoder(tok);
  StopMatcher stop(o.stops);
  auto emit = [&](const std::string& s) {
    if (s.empty()) return;
    r.text += s;
    if (on_text) on_text(s);
  };
  bool stopped = false;
  while (o.n_predict < 0 || static_cast<int64_t>(r.tokens.size()) < o.n_predict) {
    const int32_t t = sampler.sample(seq.last_logits());
    if (std::find(o.eos_ids.begin(), o.eos_ids.end(), t) != o.eos_ids.end()) {
      r.reason = StopReason::kEos;
      break;
    }
    sampler.accept(t);
    r.tokens.push_back(t);
    StopMatcher::Output out = stop.push(decoder.push(t));
    emit(out.text);
    if (out.stopped) {
      r.reason = StopReason::kStopString;
      stopped = true;
      break;
    }
    if (o.n_predict >= 0 && static_cast<int64_t>(r.tokens.size()) >= o.n_predict) {
      r.reason = StopReason::kLength;
      break;
    }
    if (static_cast<int64_t>(seq.size()) >= seq.capacity()) {
      r.reason = StopReason::kContextFull;
      break;
    }
    const int32_t one[1] = {t};
    PRIMER_TRY(seq.append(one));
  }
  if (!stopped) {
    StopMatcher::Output out = stop.push(decoder.flush());
    emit(out.text);
    if (out.stopped) {
      r.reason = StopReason::kStopString;
    } else {
      emit(stop.flush());
    }
  }
  r.seconds = seconds_since(t0);
  return r;
}

// ---- chat ----

std::vector<int32_t> tokenize_chat_prompt(const Tokenizer& tok, std::string_view rendered) {
  EncodeOptions eo;
  eo.add_special = false;
  eo.parse_special = true;
  std::vector<int32_t> ids = tok.encode(rendered, eo);
  if (tok.add_bos() && tok.bos() && (ids.empty() || ids.front() != *tok.bos())) {
    ids.insert(ids.begin(), *tok.bos());
  }
  return ids;
}

ChatSession::ChatSession(Sequence& seq, ChatTemplate tmpl, const Tokenizer& tok,
                         std::string system_prompt, Logger& logger)
    : seq_(seq), tmpl_(std::move(tmpl)), tok_(tok), system_(std::move(system_prompt)),
      logger_(logger) {
  reset();
}

void ChatSession::reset() {
  messages_ = nlohmann::ordered_json::array();
  if (!system_.empty()) messages_.push_back({{"role", "system"}, {"content", system_}});
  seq_.clear();
}

Result<std::string> ChatSession::render() const {
  ChatRenderOptions opt;
  opt.add_generation_prompt = true;
  if (tok_.bos()) opt.bos_token = tok_.bos_text();
  if (tok_.eos()) opt.eos_token = tok_.eos_text();
  return render_chat(tmpl_, messages_, opt);
}

Result<ChatSession::Prepared> ChatSession::add_user(std::string text) {
  messages_.push_back({{"role", "user"}, {"content", std::move(text)}});
  auto fail = [&](const Error& e) -> Result<Prepared> {
    messages_.erase(messages_.end() - 1);  // the conversation stays as it was
    return e;
  };
  auto rendered = render();
  if (!rendered.ok()) return fail(rendered.error());
  const std::vector<int32_t> ids = tokenize_chat_prompt(tok_, *rendered);
  if (ids.empty()) return fail(Error{"[chat] the rendered conversation is empty"});
  if (static_cast<int64_t>(ids.size()) >= seq_.capacity()) {
    return fail(make_error("[chat] the conversation (%zu tokens) does not fit in the context "
                           "(--ctx %lld); /reset starts over",
                           ids.size(), static_cast<long long>(seq_.capacity())));
  }
  const auto& cached = seq_.tokens();
  size_t lcp = 0;
  while (lcp < cached.size() && lcp < ids.size() && cached[lcp] == ids[lcp]) ++lcp;
  // At least the last token is decoded again: its logits start the answer.
  const size_t keep = std::min(lcp, ids.size() - 1);
  seq_.truncate(keep);
  logger_.log(LogLevel::kDebug, "[chat] prompt %zu tokens: %zu reused from the cache, %zu decoded",
              ids.size(), keep, ids.size() - keep);
  Status s = seq_.append(std::span<const int32_t>(ids).subspan(keep));
  if (!s.ok()) return fail(s.error());
  return Prepared{ids.size(), keep};
}

void ChatSession::add_assistant(std::string text) {
  messages_.push_back({{"role", "assistant"}, {"content", std::move(text)}});
}

}  // namespace primer::cli
