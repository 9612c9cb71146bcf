// Renders every official chat template in shared/chat-templates against the conversations in
// tests/golden/chat/conversations.json and compares with Python jinja2's output byte for byte
// (goldens from scripts/gen-chat-goldens.py). Where jinja2 raised, primer must fail too; for
// raise_exception() the message must match.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "primer/chat_template.h"

namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

const std::string kGoldenDir = std::string(PRIMER_GOLDEN_DIR) + "/chat";
const std::string kTemplateDir = std::string(PRIMER_SHARED_DIR) + "/chat-templates";

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ordered_json read_json(const std::string& path) { return ordered_json::parse(read_file(path)); }

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kGoldenDir + "/expected", ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

class ChatTemplateGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateGolden, MatchesJinja2) {
  const std::string name = GetParam();
  const ordered_json golden = read_json(kGoldenDir + "/expected/" + name + ".json");
  const ordered_json conv = read_json(kGoldenDir + "/conversations.json");
  const std::string source = read_file(kTemplateDir + "/" + name + ".jinja");
  ASSERT_FALSE(source.empty()) << "missing template " << name;

  auto tmpl = primer::ChatTemplate::parse(source);
  if (!golden["parse_error"].is_null()) {
    EXPECT_FALSE(tmpl.ok()) << "jinja2 rejects this template: " << golden["parse_error"].dump();
    return;
  }
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;

  const auto& now = conv["strftime_now"];
  for (const auto& c : conv["cases"]) {
    const std::string case_name = c["name"].get<std::string>();
    SCOPED_TRACE(name + " / " + case_name);
    primer::ChatRenderOptions opt;
    opt.add_generation_prompt = c["add_generation_prompt"].get<bool>();
    opt.bos_token = conv["bos_token"].get<std::string>();
    opt.eos_token = conv["eos_token"].get<std::string>();
    if (c.value("tools", false)) opt.tools = conv["tools"];
    if (c.contains("extra")) opt.extra = c["extra"];
    opt.render.now = primer::LocalTime{now[0].get<int>(), now[1].get<int>(), now[2].get<int>(),
                                       now[3].get<int>(), now[4].get<int>(), now[5].get<int>()};
    const auto got = primer::render_chat(*tmpl, c["messages"], opt);
    const auto& want = golden["cases"][case_name];
    if (want.contains("output")) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got.value(), want["output"].get<std::string>());
    } else {
      ASSERT_FALSE(got.ok()) << "jinja2 raised " << want["error"].dump() << " but primer rendered:\n" << got.value();
      EXPECT_EQ(got.error().message.rfind("[template] ", 0), 0u) << got.error().message;
      if (want["error"]["type"] == "TemplateError") {  // raise_exception(): same message
        const std::string msg = ": " + want["error"]["message"].get<std::string>();
        const std::string& m = got.error().message;
        EXPECT_TRUE(m.size() >= msg.size() && m.compare(m.size() - msg.size(), msg.size(), msg) == 0)
            << "got: " << m << "\nwant suffix: " << msg;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTemplates, ChatTemplateGolden, ::testing::ValuesIn(golden_names()), test_name);

// Every template in shared/ has a golden (regenerate with scripts/gen-chat-goldens.py), and the
// templates the project depends on are among them.
TEST(ChatTemplateGoldenSet, CoversSharedTemplates) {
  const auto names = golden_names();
  std::error_code ec;
  size_t n_templates = 0;
  for (const auto& e : fs::directory_iterator(kTemplateDir, ec)) {
    if (e.path().extension() != ".jinja") continue;
    ++n_templates;
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), e.path().stem().string()))
        << "no golden for " << e.path().filename() << "; run scripts/gen-chat-goldens.py";
  }
  EXPECT_GE(n_templates, 60u);
  for (const char* required :
       {"meta-llama-Llama-3.1-8B-Instruct", "meta-llama-Llama-3.2-3B-Instruct", "meta-llama-Llama-3.3-70B-Instruct",
        "Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B", "Qwen-QwQ-32B", "mistralai-Mistral-Nemo-Instruct-2407",
        "Mistral-Small-3.2-24B-Instruct-2506", "unsloth-mistral-Devstral-Small-2507", "google-gemma-2-2b-it",
        "google-gemma-4-31B-it", "HuggingFaceTB-SmolLM3-3B", "microsoft-Phi-3.5-mini-instruct",
        "deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
        "ibm-granite-granite-3.3-2B-Instruct"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), std::string(required))) << required;
  }
}

// Snippets: one small template per jinja2 semantic (printing, scoping, filters, whitespace...).
TEST(ChatTemplateSnippets, MatchJinja2) {
  const ordered_json input = read_json(kGoldenDir + "/snippets.json");
  const ordered_json expected = read_json(kGoldenDir + "/snippets.expected.json")["results"];
  const auto& now = ordered_json::array({2025, 7, 26, 14, 30, 5});
  size_t checked = 0;
  for (const auto& s : input["snippets"]) {
    const std::string name = s["name"].get<std::string>();
    SCOPED_TRACE(name + ": " + s["template"].get<std::string>());
    ordered_json ctx = input["context"];
    if (s.contains("context")) {
      for (const auto& [k, v] : s["context"].items()) ctx[k] = v;
    }
    primer::TemplateRenderOptions opt;
    opt.now = primer::LocalTime{now[0].get<int>(), now[1].get<int>(), now[2].get<int>(),
                                now[3].get<int>(), now[4].get<int>(), now[5].get<int>()};
    auto tmpl = primer::ChatTemplate::parse(s["template"].get<std::string>());
    primer::Result<std::string> got = tmpl.ok() ? tmpl->render(ctx, opt) : primer::Result<std::string>(tmpl.error());
    const auto& want = expected[name];
    ++checked;
    if (s.contains("primer_errors")) {  // documented divergence: primer refuses instead of guessing
      EXPECT_FALSE(got.ok()) << "expected a clear error (" << s["primer_errors"] << "), got " << got.value();
      continue;
    }
    if (want.contains("output")) {
      if (!got.ok()) {
        ADD_FAILURE() << got.error().message;
        continue;
      }
      EXPECT_EQ(got.value(), want["output"].get<std::string>());
    } else {
      if (got.ok()) {
        ADD_FAILURE() << "jinja2 raised " << want["error"].dump() << ", primer rendered: " << got.value();
        continue;
      }
      if (want["error"]["type"] == "TemplateError") {
        const std::string msg = ": " + want["error"]["message"].get<std::string>();
        const std::string& m = got.error().message;
        EXPECT_TRUE(m.size() >= msg.size() && m.compare(m.size() - msg.size(), msg.size(), msg) == 0) << m;
      }
    }
  }
  EXPECT_GE(checked, 200u);
}

// Python's float repr (shortest round-trip digits, exponent outside 1e-4..1e16) for doubles of
// every magnitude, as printed by {{ x }} and by tojson.
TEST(ChatTemplateFloats, PrintLikePython) {
  const ordered_json g = read_json(kGoldenDir + "/float_repr.json");
  auto tmpl = primer::ChatTemplate::parse("{% for x in values %}{{ x }}\n{{ x|tojson }}\n{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  auto r = tmpl->render({{"values", g["values"]}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string want;
  for (size_t i = 0; i < g["values"].size(); ++i) {
    want += g["str"][i].get<std::string>() + "\n" + g["tojson"][i].get<std::string>() + "\n";
  }
  EXPECT_EQ(r.value(), want);
  EXPECT_GE(g["values"].size(), 500u);
}

}  // namespace
