// tokenizer_vocab_hash and load_tokenizer_any (include/primer/train_data.h).
#include <filesystem>

#include "core/hash.h"
#include "primer/gguf.h"
#include "primer/train_data.h"

namespace primer::train {

namespace {

void fnv_bytes(uint64_t& h, const void* data, size_t n) { h = fnv1a(data, n, h); }

void fnv_u64(uint64_t& h, uint64_t v) {
  uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(v >> (8 * i));
  fnv_bytes(h, le, sizeof le);
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// Hashes n_vocab, then for each id in order: the piece's length, its text (the vocabulary
// string: "Ġthe", "<|im_end|>"), and whether it is a control (special) token. The same
// vocabulary loaded from tokenizer.json or from its GGUF conversion hashes the same.
uint64_t tokenizer_vocab_hash(const Tokenizer& tokenizer) {
  uint64_t h = kFnv1aOffset;
  const size_t n = tokenizer.vocab_size();
  fnv_u64(h, n);
  for (size_t id = 0; id < n; ++id) {
    const TokenId t = static_cast<TokenId>(id);
    const std::string& piece = tokenizer.piece(t);
    fnv_u64(h, piece.size());
    fnv_bytes(h, piece.data(), piece.size());
    const uint8_t control = tokenizer.attr(t) == TokenAttr::kControl ? 1 : 0;
    fnv_bytes(h, &control, 1);
  }
  return h;
}

Result<std::unique_ptr<Tokenizer>> load_tokenizer_any(const std::string& path) {
  if (ends_with(path, ".json")) {
    namespace fs = std::filesystem;
    const fs::path config = fs::path(path).parent_path() / "tokenizer_config.json";
    std::error_code ec;
    const std::string config_path = fs::is_regular_file(config, ec) ? config.string() : "";
    auto tok = Tokenizer::from_hf_files(path, config_path);
    if (!tok.ok()) return tok.error().wrap("[tokenizer] " + path);
    return std::make_unique<Tokenizer>(std::move(tok).value());
  }
  auto file = GgufFile::open(path);
  if (!file.ok()) return file.error().wrap("[tokenizer] " + path);
  auto tok = Tokenizer::from_gguf(*file);
  if (!tok.ok()) return tok.error().wrap("[tokenizer] " + path);
  return std::make_unique<Tokenizer>(std::move(tok).value());
}

}  // namespace primer::train
