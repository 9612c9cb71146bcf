// prepare_data: inputs -> documents -> tokens (threaded, order fixed by input order) -> seeded
// document shuffle -> val / train split -> DIR/{train,val}.bin + meta.json, written crash-safely.
//
// Memory: the whole token pool is held (4 bytes + 1 mask byte per token) before writing; input
// files are memory-mapped and tokenized in batches of ~8 MiB.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>

#include "train/det_rng.h"
#include "train/prepare.h"
#include "train/shard_format.h"

namespace primer::train {
namespace {

using Clock = std::chrono::steady_clock;

// The growing pool of documents, in input order.
struct Pool {
  std::vector<uint32_t> tokens;
  std::vector<uint8_t> mask;
  std::vector<uint64_t> doc_begin{0};
  bool any_mask = false;
  int64_t n_mismatch = 0;  // chat rows whose segment-wise tokens differ from the whole rendering's

  void add(EncodedDoc& d) {
    tokens.insert(tokens.end(), d.tokens.begin(), d.tokens.end());
    if (d.mask.empty()) {
      mask.insert(mask.end(), d.tokens.size(), 1);
    } else {
      any_mask = true;
      mask.insert(mask.end(), d.mask.begin(), d.mask.end());
    }
    doc_begin.push_back(tokens.size());
    n_mismatch += d.boundary_mismatch ? 1 : 0;
  }
  size_t n_docs() const { return doc_begin.size() - 1; }
};

struct InputStats {
  std::string path;
  InputFormat format = InputFormat::kText;
  uint64_t bytes = 0;
  int64_t docs = 0, tokens = 0, skipped = 0;
};

// One unit of work: a text document or a JSONL row.
struct Unit {
  std::string_view text;
  int64_t line = 0;  // JSONL rows
};

class Preparer {
 public:
  Preparer(const PrepareOptions& o, ThreadPool& pool, Logger& logger, const DocEncoder& enc)
      : o_(o), pool_(pool), logger_(logger), enc_(enc) {}

  Status add_file(const std::string& path, InputStats& stats) {
    PRIMER_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
    const std::string_view content = file.view();
    stats.path = path;
    stats.bytes = content.size();
    stats.format = detect_format(path, content, o_.format);
    std::vector<Unit> units;
    if (stats.format == InputFormat::kText) {
      for (std::string_view d : split_text_documents(content, o_.split_paragraphs)) units.push_back(Unit{d, 0});
    } else {
      for (const JsonlRow& r : split_jsonl_rows(content)) units.push_back(Unit{r.text, r.line});
    }
    // Batches of ~8 MiB, tokenized in parallel, appended in unit order.
    std::vector<EncodedDoc> results;
    size_t begin = 0;
    uint64_t done_bytes = 0;
    while (begin < units.size()) {
      size_t end = begin;
      uint64_t batch_bytes = 0;
      while (end < units.size() && (end == begin || batch_bytes < (8u << 20))) batch_bytes += units[end++].text.size();
      results.assign(end - begin, EncodedDoc{});
      pool_.parallel_for(end - begin, 1, [&](size_t b, size_t e, int) {
        for (size_t i = b; i < e; ++i) results[i] = encode(units[begin + i], stats.format);
      });
      for (size_t i = 0; i < results.size(); ++i) {
        EncodedDoc& d = results[i];
        if (d.kind == EncodedDoc::Kind::kEmpty) continue;
        if (d.kind == EncodedDoc::Kind::kBad) {
          const std::string where = path + ":" + std::to_string(units[begin + i].line);
          if (!o_.skip_bad_rows) {
            return Error{"[data] " + where + ": " + d.error + " (--skip-bad-rows skips such rows)"};
          }
          if (skipped_logged_++ < 5) logger_.warn("[data] skipping " + where + ": " + d.error);
          ++stats.skipped;
          continue;
        }
        ++stats.docs;
        stats.tokens += static_cast<int64_t>(d.tokens.size());
        pool_docs_.add(d);
      }
      done_bytes += batch_bytes;
      total_bytes_ += batch_bytes;
      progress(path, done_bytes, content.size(), false);
      begin = end;
    }
    progress(path, done_bytes, content.size(), true);
    return ok_status();
  }

  Pool& pool() { return pool_docs_; }

 private:
  // Runs on pool threads; nothing may escape (a JSON library exception becomes a bad row).
  EncodedDoc encode(const Unit& u, InputFormat f) const {
    try {
      switch (f) {
        case InputFormat::kText: return enc_.encode_text(u.text);
        case InputFormat::kJsonl: return enc_.encode_jsonl_row(u.text, o_.text_field);
        case InputFormat::kChat: return enc_.encode_chat_row(u.text);
        case InputFormat::kAuto: break;
      }
    } catch (const std::exception& e) {
      EncodedDoc bad;
      bad.kind = EncodedDoc::Kind::kBad;
      bad.error = e.what();
      return bad;
    }
    PRIMER_CHECK(false);
    return {};
  }

  void progress(const std::string& path, uint64_t done, uint64_t size, bool final) {
    const auto now = Clock::now();
    if (!final && now - last_log_ < std::chrono::seconds(2)) return;
    last_log_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double mbps = secs > 0 ? static_cast<double>(total_bytes_) / 1e6 / secs : 0.0;
    logger_.log(LogLevel::kInfo, "[data] %s: %.1f / %.1f MB, %.1f MB/s, %zu docs, %zu tokens so far", path.c_str(),
                static_cast<double>(done) / 1e6, static_cast<double>(size) / 1e6, mbps, pool_docs_.n_docs(),
                pool_docs_.tokens.size());
  }

  const PrepareOptions& o_;
  ThreadPool& pool_;
  Logger& logger_;
  const DocEncoder& enc_;
  Pool pool_docs_;
  uint64_t total_bytes_ = 0;
  int64_t skipped_logged_ = 0;
  Clock::time_point start_ = Clock::now(), last_log_ = Clock::now();
};

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Result<PrepareReport> prepare_data(const std::vector<std::string>& inputs, const PrepareOptions& o, ThreadPool& pool,
                                   Logger& logger) {
  if (inputs.empty()) return Error{"[data] no input files"};
  if (o.out_dir.empty()) return Error{"[data] no output directory"};
  if (!(o.val_fraction >= 0.0 && o.val_fraction < 1.0)) {
    return make_error("[data] val_fraction %g is outside [0, 1)", o.val_fraction);
  }
  PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, load_tokenizer_any(o.tokenizer));
  const uint64_t tok_hash = tokenizer_vocab_hash(*tok);

  // Formats first, so a chat input without a chat template fails before any work.
  bool need_chat = o.format == InputFormat::kChat;
  if (o.format == InputFormat::kAuto) {
    for (const std::string& path : inputs) {
      PRIMER_ASSIGN_OR_RETURN(MappedFile f, MappedFile::open(path));
      need_chat = need_chat || detect_format(path, f.view(), o.format) == InputFormat::kChat;
    }
  }
  PRIMER_ASSIGN_OR_RETURN(DocEncoder enc, DocEncoder::make(*tok, need_chat));

  Preparer prep(o, pool, logger, enc);
  std::vector<InputStats> stats(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) PRIMER_TRY(prep.add_file(inputs[i], stats[i]));
  Pool& docs = prep.pool();
  const uint64_t n_docs = docs.n_docs();
  if (n_docs == 0) return Error{"[data] the inputs hold no documents"};
  if (n_docs > std::numeric_limits<uint32_t>::max()) return Error{"[data] more than 2^32 - 1 documents"};
  if (docs.n_mismatch > 0) {
    logger.log(LogLevel::kWarn,
               "[data] %lld chat rows tokenize differently piece by piece than as a whole (the chat template's "
               "cut points split a token); their piecewise tokens were kept",
               static_cast<long long>(docs.n_mismatch));
  }

  // Shuffle, then split: the first n_val documents of the shuffled order are the validation set.
  std::vector<uint32_t> order(n_docs);
  for (uint32_t d = 0; d < n_docs; ++d) order[d] = d;
  SplitMix64 rng(mix_seed(o.seed, 0x70726570u /* "prep" */));
  fisher_yates(order, rng);
  uint64_t n_val = 0;
  if (o.val_fraction > 0) {
    n_val = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(static_cast<double>(n_docs) * o.val_fraction)));
    if (n_val >= n_docs) {
      return make_error("[data] %llu documents are too few for a validation fraction of %g (none would be left to "
                        "train on; use more documents or a validation fraction of 0)",
                        static_cast<unsigned long long>(n_docs), o.val_fraction);
    }
  }
  std::span<const uint32_t> val_order(order.data(), n_val), train_order(order.data() + n_val, n_docs - n_val);

  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return Error{"[data] cannot create the output directory '" + o.out_dir + "': " + ec.message()};

  PrepareReport report;
  ShardSource src;
  src.tokens = docs.tokens;
  if (docs.any_mask) src.mask = docs.mask;
  src.doc_begin = docs.doc_begin;
  src.n_vocab = tok->vocab_size();
  src.tokenizer_hash = tok_hash;
  auto count = [&](std::span<const uint32_t> ord, int64_t* n_d, int64_t* n_t) {
    *n_d = static_cast<int64_t>(ord.size());
    *n_t = 0;
    for (uint32_t d : ord) *n_t += static_cast<int64_t>(docs.doc_begin[d + 1] - docs.doc_begin[d]);
  };
  count(train_order, &report.n_docs_train, &report.n_tokens_train);
  count(val_order, &report.n_docs_val, &report.n_tokens_val);
  for (const InputStats& s : stats) report.n_skipped_rows += s.skipped;

  const std::filesystem::path dir(o.out_dir);
  const std::vector<std::pair<std::string, std::string>> files = {
      {(dir / "train.bin.tmp").string(), (dir / "train.bin").string()},
      {(dir / "val.bin.tmp").string(), (dir / "val.bin").string()},
      {(dir / "meta.json.tmp").string(), (dir / "meta.json").string()}};
  auto cleanup = [&] {
    for (const auto& f : files) std::remove(f.first.c_str());
  };

  nlohmann::ordered_json meta;
  meta["format"] = "primer-shards";
  meta["shard_version"] = kShardVersion;
  meta["tokenizer"] = o.tokenizer;
  meta["tokenizer_hash"] = hex64(tok_hash);
  meta["n_vocab"] = tok->vocab_size();
  meta["end_of_text_id"] = enc.end_of_text();
  meta["input_format"] = input_format_name(o.format);
  meta["text_field"] = o.text_field;
  meta["split_paragraphs"] = o.split_paragraphs;
  meta["seed"] = o.seed;
  meta["val_fraction"] = o.val_fraction;
  meta["skip_bad_rows"] = o.skip_bad_rows;
  meta["has_loss_mask"] = docs.any_mask;
  meta["inputs"] = nlohmann::ordered_json::array();
  for (const InputStats& s : stats) {
    meta["inputs"].push_back({{"path", s.path}, {"format", input_format_name(s.format)}, {"bytes", s.bytes},
                              {"docs", s.docs}, {"tokens", s.tokens}, {"skipped_rows", s.skipped}});
  }
  meta["train"] = {{"file", "train.bin"}, {"docs", report.n_docs_train}, {"tokens", report.n_tokens_train}};
  meta["val"] = {{"file", "val.bin"}, {"docs", report.n_docs_val}, {"tokens", report.n_tokens_val}};
  meta["skipped_rows"] = report.n_skipped_rows;
  meta["chat_boundary_mismatches"] = docs.n_mismatch;

  src.order = train_order;
  Status s = write_shard_tmp(src, files[0].first, files[0].second);
  if (s.ok()) {
    src.order = val_order;
    s = write_shard_tmp(src, files[1].first, files[1].second);
  }
  if (s.ok()) s = write_text_tmp(meta.dump(2) + "\n", files[2].first, files[2].second);
  if (s.ok()) s = commit_files(o.out_dir, files);
  if (!s.ok()) {
    cleanup();
    return s.error();
  }
  logger.log(LogLevel::kInfo, "[data] wrote %s: train %lld docs / %lld tokens, val %lld docs / %lld tokens",
             o.out_dir.c_str(), static_cast<long long>(report.n_docs_train),
             static_cast<long long>(report.n_tokens_train), static_cast<long long>(report.n_docs_val),
             static_cast<long long>(report.n_tokens_val));
  return report;
}

}  // namespace primer::train
