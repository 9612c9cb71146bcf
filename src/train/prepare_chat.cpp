// Chat transcripts -> tokens + loss mask (see tokenize_chat in prepare.h for the method).
#include <algorithm>

#include "train/prepare.h"

namespace primer::train {
namespace {

using Json = nlohmann::ordered_json;

constexpr EncodeOptions kTemplateText{/*add_special=*/false, /*parse_special=*/true};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

Json head(const Json& messages, size_t n) {
  Json out = Json::array();
  for (size_t i = 0; i < n; ++i) out.push_back(messages[i]);
  return out;
}

}  // namespace

Result<ChatTokens> tokenize_chat(const ChatTemplate& tmpl, const Tokenizer& tok, const Json& messages) {
  if (!messages.is_array() || messages.empty()) return Error{"\"messages\" must be a non-empty array"};
  bool any_assistant = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return Error{where + " is not an object"};
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return Error{where + ".role is missing or not a string"};
    auto content = m.find("content");
    if (content == m.end() || !(content->is_string() || content->is_null())) {
      return Error{where + ".content is missing or not a string"};
    }
    if (*role == "assistant") any_assistant = true;
  }
  if (!any_assistant) return Error{"the conversation has no assistant message (nothing to train on)"};

  ChatRenderOptions opt;
  if (tok.bos()) opt.bos_token = tok.bos_text();
  if (tok.eos()) opt.eos_token = tok.eos_text();
  auto render = [&](const Json& msgs, bool gen) -> Result<std::string> {
    opt.add_generation_prompt = gen;
    auto r = render_chat(tmpl, msgs, opt);
    if (!r.ok()) return r.error().wrap("chat template");
    return r;
  };

  ChatTokens out;
  PRIMER_ASSIGN_OR_RETURN(out.rendered, render(messages, false));
  const std::string& full = out.rendered;

  // Assistant regions [begin, end) in bytes of `full`, in order.
  std::vector<std::pair<size_t, size_t>> regions;
  size_t last_end = 0;
  for (size_t k = 0; k < messages.size(); ++k) {
    if (messages[k]["role"] != "assistant") continue;
    const std::string where = "messages[" + std::to_string(k) + "]";
    PRIMER_ASSIGN_OR_RETURN(std::string before, render(head(messages, k), true));
    PRIMER_ASSIGN_OR_RETURN(std::string through, render(head(messages, k + 1), false));
    if (!starts_with(full, before) || !starts_with(full, through) || before.size() < last_end ||
        through.size() < before.size()) {
      return Error{"chat template: the rendering of the conversation up to " + where +
                   " is not a prefix of the whole conversation's rendering, so the assistant's tokens "
                   "cannot be located"};
    }
    regions.emplace_back(before.size(), through.size());
    last_end = through.size();
  }

  const std::vector<TokenId> eog = tok.eos_ids();
  auto is_eog = [&](TokenId id) { return std::find(eog.begin(), eog.end(), id) != eog.end(); };
  size_t cursor = 0;
  auto append = [&](size_t begin, size_t end, bool assistant) {
    if (end <= begin) return;
    const std::vector<TokenId> ids = tok.encode(std::string_view(full).substr(begin, end - begin), kTemplateText);
    size_t last_eog = ids.size();
    if (assistant) {
      for (size_t i = ids.size(); i-- > 0;) {
        if (is_eog(ids[i])) {
          last_eog = i;
          break;
        }
      }
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      out.tokens.push_back(static_cast<uint32_t>(ids[i]));
      const bool target = assistant && (last_eog == ids.size() || i <= last_eog);
      out.mask.push_back(target ? 1 : 0);
    }
  };
  for (const auto& [b, e] : regions) {
    append(cursor, b, false);
    append(b, e, true);
    cursor = e;
  }
  append(cursor, full.size(), false);
  return out;
}

EncodedDoc DocEncoder::encode_chat(const Json& messages) const {
  EncodedDoc doc;
  PRIMER_CHECK(tmpl_.has_value());
  auto r = tokenize_chat(*tmpl_, *tok_, messages);
  if (!r.ok()) {
    doc.kind = EncodedDoc::Kind::kBad;
    doc.error = r.error().message;
    return doc;
  }
  ChatTokens& ct = *r;
  // The check that the cut points did not change the tokenization.
  const std::vector<TokenId> whole = tok_->encode(ct.rendered, kTemplateText);
  doc.boundary_mismatch = whole.size() != ct.tokens.size() ||
                          !std::equal(whole.begin(), whole.end(), ct.tokens.begin(),
                                      [](TokenId a, uint32_t b) { return static_cast<uint32_t>(a) == b; });
  doc.tokens = std::move(ct.tokens);
  doc.mask = std::move(ct.mask);
  finish(doc, true);
  return doc;
}

EncodedDoc DocEncoder::encode_chat_row(std::string_view row) const {
  EncodedDoc doc;
  Json j = Json::parse(row, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    doc.kind = EncodedDoc::Kind::kBad;
    doc.error = "not valid JSON";
    return doc;
  }
  if (!j.is_object() || !j.contains("messages")) {
    doc.kind = EncodedDoc::Kind::kBad;
    doc.error = "expected an object with a \"messages\" array";
    return doc;
  }
  return encode_chat(j["messages"]);
}

}  // namespace primer::train
