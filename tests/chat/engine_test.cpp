// Behaviour the golden comparisons cannot show: limits on runaway templates, how unsupported
// constructs fail, error wording, the render_chat variable mapping and concurrent rendering.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "primer/chat_template.h"

namespace {

using nlohmann::ordered_json;

primer::Result<std::string> render(const std::string& src, const ordered_json& ctx = ordered_json::object(),
                                   const primer::TemplateRenderOptions& opt = {}) {
  auto t = primer::ChatTemplate::parse(src);
  if (!t.ok()) return t.error();
  return t->render(ctx, opt);
}

std::string error_of(const primer::Result<std::string>& r) {
  EXPECT_FALSE(r.ok()) << "rendered: " << (r.ok() ? r.value() : "");
  return r.ok() ? "" : r.error().message;
}

TEST(ChatTemplateEngine, RendersBasics) {
  auto r = render("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
                  {{"messages", {{{"role", "user"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "yo"}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "user: hi\nassistant: yo\n");
}

TEST(ChatTemplateEngine, RaiseExceptionKeepsTheMessageAndLine) {
  const std::string m =
      error_of(render("line1\n{{ raise_exception('Only user and assistant roles are supported!') }}"));
  EXPECT_EQ(m, "[template] line 2: Only user and assistant roles are supported!");
}

TEST(ChatTemplateEngine, UnsupportedConstructsFailAtParseWithTheirName) {
  EXPECT_EQ(error_of(render("a\n{% extends 'base.html' %}")), "[template] line 2: tag 'extends' is not supported");
  EXPECT_EQ(error_of(render("{% include 'x' %}")), "[template] line 1: tag 'include' is not supported");
  EXPECT_EQ(error_of(render("{% for x in y recursive %}{% endfor %}")),
            "[template] line 1: recursive for loops are not supported");
  EXPECT_EQ(error_of(render("\n\n{{ x | urlize }}")), "[template] line 3: filter 'urlize' is not supported");
  EXPECT_EQ(error_of(render("{{ x | frobnicate }}")), "[template] line 1: No filter named 'frobnicate'.");
  EXPECT_EQ(error_of(render("{{ x is frobnicated }}")), "[template] line 1: No test named 'frobnicated'.");
  EXPECT_EQ(error_of(render("{% frob %}")), "[template] line 1: Encountered unknown tag 'frob'.");
  EXPECT_EQ(error_of(render("{{ lipsum() }}")),
            "[template] line 1: function 'lipsum' is not supported (its output is random)");
}

TEST(ChatTemplateEngine, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error_of(render("ok\n{% if x %}\nnever closed")),
            "[template] line 3: Unexpected end of template. Jinja was looking for the following tags: 'elif' or "
            "'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
  EXPECT_EQ(error_of(render("{{ 1 + }}")), "[template] line 1: unexpected 'end of print statement'");
  EXPECT_EQ(error_of(render("{{ a ! b }}")), "[template] line 1: unexpected char '!'");
  EXPECT_EQ(error_of(render("{# open")), "[template] line 1: Missing end of comment tag");
  EXPECT_EQ(error_of(render("{{ 99999999999999999999 }}")),
            "[template] line 1: integer literal 99999999999999999999 is too large (64-bit integers only)");
}

TEST(ChatTemplateEngine, RuntimeErrorsReadLikeJinja2) {
  const ordered_json ctx = {{"m", {{"role", "user"}}}, {"n", nullptr}};
  EXPECT_EQ(error_of(render("{{ m.content.strip() }}", ctx)),
            "[template] line 1: 'dict object' has no attribute 'content'");
  EXPECT_EQ(error_of(render("{{ 'x' + n }}", ctx)),
            "[template] line 1: can only concatenate str (not \"NoneType\") to str");
  EXPECT_EQ(error_of(render("{{ foo.bar }}", ctx)), "[template] line 1: 'foo' is undefined");
  EXPECT_EQ(error_of(render("{% set l = [] %}{{ l.append(1) }}", ctx)),
            "[template] line 1: access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(error_of(render("{% for x in n %}{% endfor %}", ctx)),
            "[template] line 1: 'NoneType' object is not iterable");
}

TEST(ChatTemplateEngine, PrintingAddressBearingObjectsIsAnError) {
  // Python would print "<generator object ... at 0x7f...>": not reproducible, so refuse.
  EXPECT_NE(error_of(render("{{ [1, 2] | select }}")).find("printing a generator object is not supported"),
            std::string::npos);
  EXPECT_NE(error_of(render("{{ {'a': 1}.items }}")).find("is not supported"), std::string::npos);
  EXPECT_NE(error_of(render("{{ range(3) }}")).find("printing a range object"), std::string::npos);
}

TEST(ChatTemplateEngine, StepLimitStopsRunawayLoops) {
  primer::TemplateRenderOptions opt;
  opt.limits.max_steps = 10'000;
  const std::string m = error_of(render("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
                                        ordered_json::object(), opt));
  EXPECT_NE(m.find("render exceeded the step limit (10000"), std::string::npos) << m;
  // The default limit is generous enough for real templates.
  EXPECT_TRUE(render("{% for a in range(100) %}{% for b in range(100) %}{{ b }}{% endfor %}{% endfor %}").ok());
}

TEST(ChatTemplateEngine, RecursionLimitStopsRunawayMacros) {
  const std::string m = error_of(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
  EXPECT_NE(m.find("macro calls nested deeper than 128 levels"), std::string::npos) << m;
}

TEST(ChatTemplateEngine, DeepExpressionsInsideRecursionAreBounded) {
  // The recursive call sits 80 expression levels deep in each macro level.
  std::string e = "f(n + 1)";
  for (int i = 0; i < 80; ++i) e = "(" + e + " ~ '')";
  const std::string m = error_of(render("{% macro f(n) %}{{ " + e + " }}{% endmacro %}{{ f(0) }}"));
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
}

TEST(ChatTemplateEngine, OutputAndStringSizeLimits) {
  primer::TemplateRenderOptions opt;
  opt.limits.max_output_bytes = 1000;
  EXPECT_NE(error_of(render("{{ 'x' * 5000 }}", ordered_json::object(), opt)).find("exceeds the output size limit"),
            std::string::npos);
  EXPECT_NE(
      error_of(render("{% for i in range(500) %}abc{% endfor %}", ordered_json::object(), opt)).find("size limit"),
      std::string::npos);
  // Doubling a namespace string: stopped by the size limit rather than exhausting memory.
  const std::string m = error_of(
      render("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
             ordered_json::object(), opt));
  EXPECT_NE(m.find("size limit"), std::string::npos) << m;
  EXPECT_NE(error_of(render("{{ range(200000) | length }}")).find("Range too big"), std::string::npos);
}

TEST(ChatTemplateEngine, DeepNestingIsRejectedNotAStackOverflow) {
  const std::string deep = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_NE(error_of(render("{{ " + deep + " }}")).find("nested too deeply"), std::string::npos);
  EXPECT_NE(error_of(render("{{ " + std::string(5000, '-') + "1 }}")).find("nested too deeply"), std::string::npos);
  std::string chain = "{{ x";
  for (int i = 0; i < 5000; ++i) chain += "|trim";
  EXPECT_NE(error_of(render(chain + " }}")).find("nested too deeply"), std::string::npos);
  std::string sum = "{{ 1";
  for (int i = 0; i < 5000; ++i) sum += " + 1";
  EXPECT_NE(error_of(render(sum + " }}")).find("nested too deeply"), std::string::npos);
  std::string attrs = "{{ x";
  for (int i = 0; i < 5000; ++i) attrs += ".a";
  EXPECT_NE(error_of(render(attrs + " }}")).find("nested too deeply"), std::string::npos);
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
  EXPECT_NE(error_of(render(ifs)).find("nested too deeply"), std::string::npos);
  std::string nested = "1";
  for (int i = 0; i < 300; ++i) nested = "[" + nested + "]";
  EXPECT_FALSE(render("{{ " + nested + " }}").ok());
  // Building a deep value at run time stops at the value depth limit.
  const std::string m = error_of(render(
      "{% set ns = namespace(v=[]) %}{% for i in range(1000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v|length }}"));
  EXPECT_NE(m.find("nested deeper than"), std::string::npos) << m;
}

TEST(ChatTemplateEngine, RejectsInvalidUtf8AndNonObjectContext) {
  EXPECT_EQ(error_of(render(std::string("a\xff b"))), "[template] the template source is not valid UTF-8");
  auto t = primer::ChatTemplate::parse("{{ x }}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->render(ordered_json::array()).ok());
  ordered_json bad = {{"x", std::string("\xc3\x28")}};
  EXPECT_FALSE(t->render(bad).ok());
}

TEST(ChatTemplateEngine, RenderChatPassesTransformersVariables) {
  auto t = primer::ChatTemplate::parse(
      "{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|{{ bos_token }}|{{ eos_token }}|"
      "{{ enable_thinking }}|{{ messages|length }}");
  ASSERT_TRUE(t.ok());
  primer::ChatRenderOptions opt;
  opt.bos_token = "<s>";
  opt.eos_token = "</s>";
  opt.extra = {{"enable_thinking", false}};
  auto r = primer::render_chat(*t, ordered_json::array({{{"role", "user"}, {"content", "x"}}}), opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "True|True|False|<s>|</s>|False|1");
  opt.tools = ordered_json::array({{{"type", "function"}}});
  opt.add_generation_prompt = true;
  r = primer::render_chat(*t, ordered_json::array(), opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "False|True|True|<s>|</s>|False|0");
  opt.bos_token.reset();  // no bos token: undefined in the template, not ""
  auto t2 = primer::ChatTemplate::parse("{{ bos_token is defined }}|{{ eos_token }}");
  ASSERT_TRUE(t2.ok());
  r = primer::render_chat(*t2, ordered_json::array(), opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "False|</s>");
  EXPECT_FALSE(primer::render_chat(*t, ordered_json::object(), opt).ok());
}

TEST(ChatTemplateEngine, KeyOrderIsPreserved) {
  ordered_json tool = ordered_json::parse(R"({"type": "function", "function": {"name": "f", "parameters": {}}})");
  auto r = render("{{ t | tojson }}|{% for k, v in t.items() %}{{ k }},{% endfor %}", {{"t", tool}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), R"({"type": "function", "function": {"name": "f", "parameters": {}}}|type,function,)");
}

TEST(ChatTemplateEngine, StrftimeNowUsesTheGivenTimeOrTheClock) {
  primer::TemplateRenderOptions opt;
  opt.now = primer::LocalTime{2024, 2, 29, 9, 5, 0};
  auto r = render("{{ strftime_now('%d %b %Y %A %H:%M') }}", ordered_json::object(), opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "29 Feb 2024 Thursday 09:05");
  r = render("{{ strftime_now('%Y') }}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GE(std::stoi(r.value()), 2024);
}

// Macros hold their defining scope, which holds them; namespaces can hold themselves or a loop.
// The interpreter breaks such cycles when a render ends (the ASan job's leak checker watches).
TEST(ChatTemplateEngine, ReferenceCyclesDoNotLeak) {
  auto r = render(
      "{% macro m() %}{{ ns.n }}{% endmacro %}{% set ns = namespace(n=1) %}{% set ns.self = ns %}"
      "{% set ns.m = m %}{% for x in [ns] %}{% set ns.l = loop %}{% set ns.c = loop.cycle %}{% endfor %}"
      "{% set c = cycler(ns) %}{% macro w() %}{{ caller() }}{% endmacro %}{% call w() %}{{ ns.n }}{% endcall %}"
      "{{ ns.self.self.m() }}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "11");
}

TEST(ChatTemplateEngine, ParsedTemplateRendersConcurrently) {
  auto t = primer::ChatTemplate::parse(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m.content|upper }}{% endfor %}"
      "{{ ns.n }}");
  ASSERT_TRUE(t.ok());
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      ordered_json msgs = ordered_json::array();
      for (size_t k = 0; k <= i; ++k) {
        std::string content = "m";
        content += std::to_string(k);
        msgs.push_back({{"content", content}});
      }
      for (int rep = 0; rep < 50; ++rep) {
        auto r = t->render({{"messages", msgs}});
        results[i] = r.ok() ? r.value() : r.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < results.size(); ++i) {
    std::string want;
    for (size_t k = 0; k <= i; ++k) {
      want.push_back('M');
      want += std::to_string(k);
    }
    want += std::to_string(i + 1);
    EXPECT_EQ(results[i], want);
  }
}

}  // namespace
