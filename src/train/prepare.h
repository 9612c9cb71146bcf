// Private pieces of `primer data prepare` (src/train/prepare*.cpp): input splitting, document
// encoding (text and chat), exposed here for the tests.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "primer/chat_template.h"
#include "primer/error.h"
#include "primer/tokenizer.h"
#include "primer/train_data.h"

namespace primer::train {

const char* input_format_name(InputFormat f);
// "auto", "text", "jsonl", "chat" -> the format; nullopt for anything else.
std::optional<InputFormat> parse_input_format(std::string_view name);

// The format of one input: `requested` unless kAuto; for kAuto, .jsonl/.ndjson files are kChat
// when their first non-empty row is an object with "messages", else kJsonl; others kText.
InputFormat detect_format(const std::string& path, std::string_view content, InputFormat requested);

// Text documents: paragraphs separated by blank (empty or whitespace-only) lines, each without
// its surrounding blank lines, when split_paragraphs; else the whole text. Empty documents are
// dropped. Views into `text`.
std::vector<std::string_view> split_text_documents(std::string_view text, bool split_paragraphs);

// One JSONL row: its 1-based line number and text (without the newline).
struct JsonlRow {
  int64_t line = 0;
  std::string_view text;
};
// Non-blank lines of `content` (a trailing '\r' is dropped).
std::vector<JsonlRow> split_jsonl_rows(std::string_view content);

// One encoded document. mask is empty (= all 1) for plain text, else [tokens.size()].
struct EncodedDoc {
  enum class Kind { kOk, kEmpty, kBad } kind = Kind::kOk;
  std::vector<uint32_t> tokens;
  std::vector<uint8_t> mask;
  std::string error;       // kBad: why (no file:line; the caller adds it)
  bool boundary_mismatch = false;  // chat: segment-wise tokens differ from the whole rendering's
};

// Turns documents into token ids the same way for every thread: BOS first when the tokenizer
// adds one, the end-of-text token last. Immutable and safe to use from many threads.
class DocEncoder {
 public:
  // chat: parse the tokenizer's chat template (an error if it has none).
  static Result<DocEncoder> make(const Tokenizer& tok, bool chat);
  uint32_t end_of_text() const { return end_of_text_; }

  EncodedDoc encode_text(std::string_view text) const;
  // A JSONL row: the string field `field` of the object.
  EncodedDoc encode_jsonl_row(std::string_view row, const std::string& field) const;
  // A chat row {"messages": [...]}.
  EncodedDoc encode_chat_row(std::string_view row) const;
  // A parsed conversation (JSON array of {role, content}).
  EncodedDoc encode_chat(const nlohmann::ordered_json& messages) const;

 private:
  DocEncoder(const Tokenizer& tok, uint32_t end_of_text) : tok_(&tok), end_of_text_(end_of_text) {}
  void finish(EncodedDoc& doc, bool with_mask) const;  // BOS / end-of-text

  const Tokenizer* tok_;
  uint32_t end_of_text_;
  std::optional<ChatTemplate> tmpl_;
};

// Chat rendering with the loss mask (prepare_chat.cpp): the whole conversation R is rendered
// once, and for each assistant message k, the prefixes G_k = render(messages[:k],
// add_generation_prompt) and P_k = render(messages[:k+1]); [|G_k|, |P_k|) is the assistant's
// region of R. R is tokenized piece by piece between those cut points (special tokens parsed),
// so every token lies wholly inside or outside a region. Inside a region the mask is 1 up to
// and including the region's last end-of-generation token (Tokenizer::eos_ids(): <|im_end|>,
// <|eot_id|>, ...), 0 for what follows it (the template's newline); a region without one is
// masked whole. Errors: template errors, and prefixes that are not prefixes of R (a template that
// renders earlier turns differently once later turns exist).
struct ChatTokens {
  std::vector<uint32_t> tokens;
  std::vector<uint8_t> mask;
  std::string rendered;  // R
};
Result<ChatTokens> tokenize_chat(const ChatTemplate& tmpl, const Tokenizer& tok, const nlohmann::ordered_json& messages);

}  // namespace primer::train
