// Input formats and plain-text document encoding for `primer data prepare`.
#include <algorithm>

#include "train/prepare.h"

namespace primer::train {
namespace {

using Json = nlohmann::ordered_json;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; });
}

}  // namespace

const char* input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kAuto: return "auto";
    case InputFormat::kText: return "text";
    case InputFormat::kJsonl: return "jsonl";
    case InputFormat::kChat: return "chat";
  }
  return "?";
}

std::optional<InputFormat> parse_input_format(std::string_view name) {
  for (InputFormat f : {InputFormat::kAuto, InputFormat::kText, InputFormat::kJsonl, InputFormat::kChat}) {
    if (name == input_format_name(f)) return f;
  }
  return std::nullopt;
}

InputFormat detect_format(const std::string& path, std::string_view content, InputFormat requested) {
  if (requested != InputFormat::kAuto) return requested;
  if (!ends_with(path, ".jsonl") && !ends_with(path, ".ndjson")) return InputFormat::kText;
  for (const JsonlRow& row : split_jsonl_rows(content.substr(0, std::min<size_t>(content.size(), 1u << 24)))) {
    Json j = Json::parse(row.text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() && j.contains("messages") ? InputFormat::kChat : InputFormat::kJsonl;
  }
  return InputFormat::kJsonl;
}

std::vector<std::string_view> split_text_documents(std::string_view text, bool split_paragraphs) {
  std::vector<std::string_view> docs;
  if (!split_paragraphs) {
    if (!text.empty()) docs.push_back(text);
    return docs;
  }
  // Walk line by line; a blank line ends the current paragraph.
  size_t para_begin = std::string_view::npos, para_end = 0, pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t line_end = nl == std::string_view::npos ? text.size() : nl;
    const size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    if (is_blank(text.substr(pos, line_end - pos))) {
      if (para_begin != std::string_view::npos) docs.push_back(text.substr(para_begin, para_end - para_begin));
      para_begin = std::string_view::npos;
    } else {
      if (para_begin == std::string_view::npos) para_begin = pos;
      para_end = line_end;  // the paragraph's last line, without its newline
      if (para_end > para_begin && text[para_end - 1] == '\r') --para_end;
    }
    pos = next;
  }
  if (para_begin != std::string_view::npos) docs.push_back(text.substr(para_begin, para_end - para_begin));
  return docs;
}

std::vector<JsonlRow> split_jsonl_rows(std::string_view content) {
  std::vector<JsonlRow> rows;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < content.size()) {
    ++line;
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view text = content.substr(pos, end - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!is_blank(text)) rows.push_back(JsonlRow{line, text});
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
  }
  return rows;
}

Result<DocEncoder> DocEncoder::make(const Tokenizer& tok, bool chat) {
  std::optional<TokenId> eot = tok.eos() ? tok.eos() : tok.bos();
  if (!eot) return Error{"[data] the tokenizer has neither an eos nor a bos token to end documents with"};
  DocEncoder enc(tok, static_cast<uint32_t>(*eot));
  if (chat) {
    if (tok.chat_template().empty()) {
      return Error{"[data] chat data needs a chat template, and the tokenizer has none "
                   "(tokenizer_config.json \"chat_template\" or GGUF tokenizer.chat_template)"};
    }
    auto t = ChatTemplate::parse(tok.chat_template());
    if (!t.ok()) return t.error().wrap("[data] the tokenizer's chat template");
    enc.tmpl_.emplace(std::move(t).value());
  }
  return enc;
}

void DocEncoder::finish(EncodedDoc& doc, bool with_mask) const {
  if (tok_->add_bos() && tok_->bos()) {
    const uint32_t bos = static_cast<uint32_t>(*tok_->bos());
    if (doc.tokens.empty() || doc.tokens.front() != bos) {
      doc.tokens.insert(doc.tokens.begin(), bos);
      if (with_mask) doc.mask.insert(doc.mask.begin(), 0);
    }
  }
  if (doc.tokens.empty() || doc.tokens.back() != end_of_text_) {
    doc.tokens.push_back(end_of_text_);
    if (with_mask) doc.mask.push_back(0);
  }
}

EncodedDoc DocEncoder::encode_text(std::string_view text) const {
  EncodedDoc doc;
  if (text.empty()) {
    doc.kind = EncodedDoc::Kind::kEmpty;
    return doc;
  }
  // Plain text is text: "<|endoftext|>" written in it is not the control token.
  const std::vector<TokenId> ids = tok_->encode(text, EncodeOptions{/*add_special=*/false, /*parse_special=*/false});
  doc.tokens.assign(ids.begin(), ids.end());
  finish(doc, false);
  return doc;
}

EncodedDoc DocEncoder::encode_jsonl_row(std::string_view row, const std::string& field) const {
  EncodedDoc doc;
  Json j = Json::parse(row, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    doc.kind = EncodedDoc::Kind::kBad;
    doc.error = "not valid JSON";
    return doc;
  }
  auto it = j.is_object() ? j.find(field) : j.end();
  if (!j.is_object() || it == j.end() || !it->is_string()) {
    doc.kind = EncodedDoc::Kind::kBad;
    doc.error = "expected an object with a string field \"" + field + "\"";
    return doc;
  }
  return encode_text(it->get_ref<const std::string&>());
}

}  // namespace primer::train
