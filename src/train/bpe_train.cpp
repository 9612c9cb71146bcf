// train_bpe_tokenizer (include/primer/train_data.h): validate options, count words, learn merges,
// write the files. The stages are in bpe_train_{pre,words,merges,output}.cpp.
#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_set>

#include "train/bpe_train.h"

namespace primer::train {

namespace {

Status check_options(const BpeTrainOptions& o) {
  const int64_t n_special = static_cast<int64_t>(o.special_tokens.size());
  if (o.vocab_size < 256 + n_special) {
    return make_error("[tokenizer train] vocab_size %lld is too small: the 256 byte tokens and %lld "
                      "special token(s) need at least %lld",
                      static_cast<long long>(o.vocab_size), static_cast<long long>(n_special),
                      static_cast<long long>(256 + n_special));
  }
  if (o.vocab_size > (int64_t{1} << 31) - 1) {
    return make_error("[tokenizer train] vocab_size %lld is too large", static_cast<long long>(o.vocab_size));
  }
  if (o.min_frequency < 0) {
    return make_error("[tokenizer train] min_frequency %lld must be >= 0", static_cast<long long>(o.min_frequency));
  }
  std::set<std::string> seen;
  for (const std::string& s : o.special_tokens) {
    if (s.empty()) return make_error("[tokenizer train] special token: empty text");
    if (!seen.insert(s).second) {
      return make_error("[tokenizer train] special token '%s' is given twice", s.c_str());
    }
  }
  return ok_status();
}

}  // namespace

Status train_bpe_tokenizer(const std::vector<std::string>& files, const BpeTrainOptions& options,
                           const std::string& out_path, ThreadPool& pool, Logger& logger) {
  const auto t0 = std::chrono::steady_clock::now();
  PRIMER_TRY(check_options(options));
  if (out_path.empty()) return make_error("[tokenizer train] no output path");
  PRIMER_ASSIGN_OR_RETURN(bpe::PreSpec spec, bpe::find_pre_spec(options.pre));
  const bpe::OrderedJson pre_json = bpe::pre_tokenizer_json(spec);
  PRIMER_ASSIGN_OR_RETURN(auto pre, bpe::make_pre_tokenizer(pre_json));
  PRIMER_ASSIGN_OR_RETURN(bpe::WordCounts words,
                          bpe::count_words(files, options.special_tokens, options.max_bytes, *pre,
                                           pool, logger));
  const int64_t max_pieces = options.vocab_size - static_cast<int64_t>(options.special_tokens.size());
  bpe::Merges merges = bpe::learn_merges(words, max_pieces, options.min_frequency, logger);

  std::unordered_set<std::string> pieces(merges.pieces.begin(), merges.pieces.end());
  for (const std::string& s : options.special_tokens) {
    if (pieces.count(s) != 0) {
      return make_error("[tokenizer train] special token '%s' is also a learned token; choose another text",
                        s.c_str());
    }
  }
  PRIMER_TRY(bpe::write_tokenizer_files(merges, spec, options, out_path));
  const size_t n_vocab = merges.pieces.size() + options.special_tokens.size();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  logger.log(LogLevel::kInfo,
             "[tokenizer train] wrote %s: %zu tokens (256 bytes, %zu merges, %zu special), pre %s, %.1f s",
             out_path.c_str(), n_vocab, merges.pairs.size(), options.special_tokens.size(),
             options.pre.c_str(), secs);
  if (static_cast<int64_t>(n_vocab) < options.vocab_size) {
    logger.log(LogLevel::kWarn,
               "[tokenizer train] only %zu of %lld tokens: no pair occurs min_frequency (%lld) times any more",
               n_vocab, static_cast<long long>(options.vocab_size),
               static_cast<long long>(options.min_frequency));
  }
  return ok_status();
}

}  // namespace primer::train
