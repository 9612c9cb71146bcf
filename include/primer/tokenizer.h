// Tokenizers that match the models' own, token for token.
//
// A Tokenizer is built from either a Hugging Face tokenizer.json (+ optional
// tokenizer_config.json) or the `tokenizer.ggml.*` metadata of a GGUF file, into one internal
// pipeline (see src/tokenizer/): added/special-token split -> normalizer -> pre-tokenizer ->
// model (byte-level BPE, SentencePiece-style BPE) -> post-processor (BOS/EOS); decoding runs
// the decoder chain. A Tokenizer is immutable after loading and safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "primer/error.h"

namespace primer {

class GgufFile;
struct TokenizerImpl;  // src/tokenizer/

using TokenId = int32_t;

enum class TokenAttr : uint8_t {
  kNormal = 1,       // a regular vocabulary entry
  kUnknown = 2,      // the unk token
  kControl = 3,      // special/control (BOS, EOS, <|im_start|>); never produced from plain text
  kUserDefined = 4,  // added, non-special tokens (matched in text, printed as text)
  kUnused = 5,
  kByte = 6,         // <0xNN> byte-fallback pieces
};

struct EncodeOptions {
  // Add the tokens the model's post-processor adds (BOS for Llama, none for Qwen).
  bool add_special = true;
  // Match special/control tokens written in the text ("<|im_start|>") as those tokens. Servers
  // must set this to false for user-supplied text so it cannot inject control tokens; the text
  // is then tokenized as ordinary characters. Non-special added tokens (Qwen's <think>,
  // <tool_call>; Gemma's <unusedN>) are matched either way, as in HF (encode_special_tokens)
  // and llama.cpp (parse_special=false).
  bool parse_special = true;
};

struct DecodeOptions {
  bool skip_special = false;  // drop control tokens (BOS/EOS/...) from the output
};

class Tokenizer {
 public:
  // Loads tokenizer.json; `config_path` (tokenizer_config.json) is optional and supplies
  // add_bos/add_eos, bos/eos names and the chat template when present.
  static Result<Tokenizer> from_hf_files(const std::string& tokenizer_json_path,
                                         const std::string& config_path = "");
  static Result<Tokenizer> from_hf_json(std::string_view tokenizer_json,
                                        std::string_view config_json = "");
  // Loads from `tokenizer.ggml.*` GGUF metadata.
  static Result<Tokenizer> from_gguf(const GgufFile& gguf);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Text may hold any bytes. Invalid UTF-8 is first replaced as the reference runtimes see it:
  // each maximal ill-formed subsequence becomes one U+FFFD (Unicode §3.9 "maximal subpart",
  // what node's TextDecoder and Python's errors="replace" do), so ids match Hugging Face's.
  std::vector<TokenId> encode(std::string_view text, const EncodeOptions& opts = {}) const;
  // Always returns valid UTF-8: bytes the decoder chain produces that do not form complete
  // characters become U+FFFD (same rule). Unknown ids are skipped. No clean-up of spaces before
  // punctuation is done (transformers' clean_up_tokenization_spaces is not applied).
  std::string decode(const std::vector<TokenId>& ids, const DecodeOptions& opts = {}) const;

  // The raw vocabulary string of a token ("Ġhello", "▁the", "<0x0A>", "<|im_end|>").
  const std::string& piece(TokenId id) const;
  std::optional<TokenId> find_piece(std::string_view piece) const;
  TokenAttr attr(TokenId id) const;
  size_t vocab_size() const;

  std::optional<TokenId> bos() const;
  std::optional<TokenId> eos() const;
  std::vector<TokenId> eos_ids() const;  // all end-of-generation tokens (eos, eot, eom, im_end...)
  bool add_bos() const;
  bool add_eos() const;
  std::string bos_text() const;  // "" when the model has no BOS token
  std::string eos_text() const;
  // The chat template carried with the tokenizer (GGUF `tokenizer.chat_template` or
  // tokenizer_config.json `chat_template`), or "" when none.
  const std::string& chat_template() const;

  // A short description: "byte-level BPE (qwen2), 151665 tokens".
  std::string describe() const;

  const TokenizerImpl& impl() const { return *impl_; }

 private:
  explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
  friend Result<Tokenizer> make_tokenizer(std::unique_ptr<TokenizerImpl> impl);  // loaders
  std::unique_ptr<TokenizerImpl> impl_;
};

// Incremental decoder for streaming generation: feed ids one at a time; returns only complete
// UTF-8 text (never half a character), holding incomplete bytes until they complete or flush().
// Produces exactly the same total text as Tokenizer::decode over all ids.
// Cost: each push decodes only a short window (the ids of the previous emission as context plus
// the ids not yet emitted), so a stream of n ids costs O(n). Not thread-safe (one per stream);
// the Tokenizer must outlive it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, DecodeOptions opts = {});
  std::string push(TokenId id);
  std::string flush();  // emits any held bytes (invalid sequences as U+FFFD, like decode())

 private:
  const Tokenizer* tok_;
  DecodeOptions opts_;
  std::string window_text(size_t n) const;
  void advance_window();

  std::vector<TokenId> ids_;  // window: [0, prefix_end_) context already emitted, then pending
  size_t prefix_end_ = 0;     // ids_[0, prefix_end_): context whose text was already emitted
  bool window_at_text_start_ = true;  // ids_[0] is the first id of the stream
  mutable std::vector<TokenId> scratch_;  // anchor + window, reused
};

}  // namespace primer
