// `primer tokenize`: encode text with a GGUF or Hugging Face tokenizer and print the ids.
//
//   primer tokenize --tokenizer tokenizer.json [--config tokenizer_config.json] "Hello"
//   primer tokenize --gguf model.gguf --pieces -            (text from stdin)
//
// Output: ids separated by spaces on one line (default, --ids), or one "id<TAB>piece<TAB>text"
// line per token (--pieces): the raw vocabulary piece ("Ġworld") and the text it adds to the
// decoded output (" world"; empty while a character is split across tokens, with \n \r \t
// escaped).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "primer/gguf.h"
#include "primer/tokenizer.h"

namespace primer::cli {
namespace {

struct TokenizeOptions {
  std::string gguf;
  std::string tokenizer_json;
  std::string config_json;
  bool ids = false;
  bool pieces = false;
  bool no_special = false;
  bool no_parse_special = false;
  std::string text;
};

Result<Tokenizer> load_tokenizer(const TokenizeOptions& o) {
  if (!o.gguf.empty()) {
    PRIMER_ASSIGN_OR_RETURN(GgufFile file, GgufFile::open(o.gguf));
    return Tokenizer::from_gguf(file);
  }
  return Tokenizer::from_hf_files(o.tokenizer_json, o.config_json);
}

int run(const TokenizeOptions& o) {
  if (o.gguf.empty() == o.tokenizer_json.empty()) {
    std::fprintf(stderr, "primer tokenize: give exactly one of --gguf or --tokenizer\n");
    return 2;
  }
  auto tok = load_tokenizer(o);
  if (!tok.ok()) {
    std::fprintf(stderr, "primer tokenize: %s\n", tok.error().message.c_str());
    return 1;
  }
  EncodeOptions eo;
  eo.add_special = !o.no_special;
  eo.parse_special = !o.no_parse_special;
  std::vector<TokenId> ids = tok->encode(read_text_arg(o.text), eo);
  std::string out;
  if (o.pieces) {
    StreamDecoder stream(*tok);
    for (TokenId id : ids) {
      out += std::to_string(id);
      out += '\t';
      out += tok->piece(id);
      out += '\t';
      for (char c : stream.push(id)) {
        switch (c) {
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default: out += c;
        }
      }
      out += '\n';
    }
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out += ' ';
      out += std::to_string(ids[i]);
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void register_tokenize(CLI::App& app, CliContext& ctx) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* sub = app.add_subcommand("tokenize", "Encode text into token ids");
  sub->add_option("--gguf", opts->gguf, "GGUF file whose tokenizer.ggml.* metadata to use");
  sub->add_option("--tokenizer", opts->tokenizer_json, "Hugging Face tokenizer.json");
  sub->add_option("--config", opts->config_json,
                  "tokenizer_config.json (optional, with --tokenizer)");
  auto* ids = sub->add_flag("--ids", opts->ids, "Print ids separated by spaces (the default)");
  auto* pieces = sub->add_flag("--pieces", opts->pieces, "Print one 'id<TAB>piece<TAB>text' line per token");
  ids->excludes(pieces);
  sub->add_flag("--no-special", opts->no_special,
                "Do not add the tokens the model adds around text (BOS/EOS)");
  sub->add_flag("--no-parse-special", opts->no_parse_special,
                "Treat special tokens written in the text (<|im_start|>) as plain text");
  sub->add_option("text", opts->text, "Text to encode, or - to read stdin")->required();
  sub->callback([opts, &ctx] { ctx.exit_code = run(*opts); });
}

}  // namespace primer::cli
