// Public API: ChatTemplate::parse/render and render_chat (see include/primer/chat_template.h).
#include "primer/chat_template.h"

#include "tokenizer/chat/interpreter.h"
#include "tokenizer/chat/parser.h"
#include "tokenizer/chat/py_format.h"

namespace primer {

Result<ChatTemplate> ChatTemplate::parse(std::string_view source) {
  PRIMER_ASSIGN_OR_RETURN(chat::StmtList body, chat::parse_template(source));
  auto program = std::make_shared<chat::Program>();
  program->body = std::move(body);
  return ChatTemplate(std::move(program));
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context,
                                         const TemplateRenderOptions& options) const {
  if (!context.is_object()) return Error{"[template] render: the context must be a JSON object"};
  PRIMER_ASSIGN_OR_RETURN(chat::Value vars, chat::value_from_json(context, "context"));
  chat::Interpreter interp(*program_, options);
  return interp.render(vars);
}

Result<std::string> render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                                const ChatRenderOptions& options) {
  if (!messages.is_array()) return Error{"[template] render_chat: messages must be a JSON array"};
  if (!options.extra.is_object() && !options.extra.is_null()) {
    return Error{"[template] render_chat: extra variables must be a JSON object"};
  }
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = messages;
  context["tools"] = options.tools;
  context["documents"] = options.documents;
  context["add_generation_prompt"] = options.add_generation_prompt;
  if (options.bos_token) context["bos_token"] = *options.bos_token;
  if (options.eos_token) context["eos_token"] = *options.eos_token;
  if (options.extra.is_object()) {
    for (const auto& [k, v] : options.extra.items()) context[k] = v;
  }
  return tmpl.render(context, options.render);
}

}  // namespace primer
