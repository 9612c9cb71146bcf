// Checked access to tokenizer.json / tokenizer_config.json values. Every getter names the full
// JSON path in its error ("[tokenizer.json] model.merges[12]: expected a string or a pair").
// Only for the HF loader (hf_loader.cpp, hf_components.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "primer/error.h"
#include "tokenizer/tokenizer_impl.h"

namespace primer::tok::hf {

using Json = nlohmann::json;

// "[tokenizer.json] <path>: <what>"
Error json_error(std::string_view file, const std::string& path, const std::string& what);

// A location inside one JSON document, used to build paths and errors.
struct Where {
  std::string_view file;  // "tokenizer.json"
  std::string path;       // "pre_tokenizer.pretokenizers[1]"

  Where field(std::string_view key) const {
    return Where{file, path.empty() ? std::string(key) : path + "." + std::string(key)};
  }
  Where index(size_t i) const { return Where{file, path + "[" + std::to_string(i) + "]"}; }
  Error error(const std::string& what) const { return json_error(file, path, what); }
};

// Field lookup: nullptr when `obj` is not an object or lacks `key`.
const Json* find(const Json& obj, std::string_view key);

// Optional fields: missing or null -> `fallback`; present with the wrong type -> Error.
Result<std::string> opt_string(const Json& obj, std::string_view key, const Where& at,
                               std::string fallback = "");
Result<bool> opt_bool(const Json& obj, std::string_view key, const Where& at, bool fallback);
Result<int64_t> opt_int(const Json& obj, std::string_view key, const Where& at, int64_t fallback);
// Required fields.
Result<std::string> req_string(const Json& obj, std::string_view key, const Where& at);
Result<const Json*> req_array(const Json& obj, std::string_view key, const Where& at);
Result<const Json*> req_object(const Json& obj, std::string_view key, const Where& at);
// The "type" string of a component object (`at` is the component's path).
Result<std::string> component_type(const Json& obj, const Where& at);
Error unsupported_type(const Where& at, const std::string& type);

// Components (hf_components.cpp). `added_contents` are the added tokens' texts (the ByteLevel
// decoder passes them through unchanged).
Result<std::unique_ptr<Normalizer>> parse_normalizer(const Json& j, const Where& at);
Result<std::unique_ptr<PreTokenizer>> parse_pre_tokenizer(const Json& j, const Where& at);
Result<std::unique_ptr<Decoder>> parse_decoder(const Json& j, const Where& at,
                                               const std::vector<std::string>& added_contents);
// Appends the ids the post-processor adds around a single sequence to `pp`.
Status parse_post_processor(const Json& j, const Where& at, const Vocab& vocab, PostProcessor& pp);

}  // namespace primer::tok::hf
