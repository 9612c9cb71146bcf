// Grammar::to_gbnf: the compiled grammar printed back as GBNF that Grammar::parse accepts (runs
// of single code points as "literals", other classes as [...]), one rule a line in id order.
#include <string>

#include "model/grammar_impl.h"
#include "primer/utf8.h"

namespace primer {
namespace {

void append_escaped(std::string& out, char32_t cp, bool in_class) {
  switch (cp) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\\': out += "\\\\"; return;
    case '"': out += "\\\""; return;
    default: break;
  }
  if (in_class && (cp == ']' || cp == '[' || cp == '-' || cp == '^')) {
    out += '\\';
    out += static_cast<char>(cp);
    return;
  }
  if (cp < 0x20 || cp == 0x7F) {
    static const char* hex = "0123456789ABCDEF";
    out += "\\x";
    out += hex[cp >> 4];
    out += hex[cp & 15];
    return;
  }
  utf8::append(out, cp);
}

bool is_single(const CharClass& c) {
  return !c.negated && c.ranges.size() == 1 && c.ranges[0].first == c.ranges[0].second;
}

void append_class(std::string& out, const CharClass& c) {
  if (c.negated && c.ranges.empty()) {
    out += '.';
    return;
  }
  out += c.negated ? "[^" : "[";
  for (const auto& [lo, hi] : c.ranges) {
    append_escaped(out, lo, true);
    if (hi != lo) {
      out += '-';
      append_escaped(out, hi, true);
    }
  }
  out += ']';
}

}  // namespace

std::string Grammar::to_gbnf() const {
  const GrammarImpl& g = *impl_;
  std::string out;
  for (size_t r = 0; r < g.n_rules(); ++r) {
    out += g.rule_names[r];
    out += " ::=";
    bool in_literal = false;
    for (uint32_t p = g.rule_begin[r];; ++p) {
      const GrammarElem& e = g.elems[p];
      bool single = e.op == GrammarOp::kChar && is_single(g.classes[e.arg]);
      if (in_literal && !single) {
        out += '"';
        in_literal = false;
      }
      if (e.op == GrammarOp::kEnd) break;
      if (e.op == GrammarOp::kAlt) {
        out += " |";
      } else if (e.op == GrammarOp::kRuleRef) {
        out += ' ';
        out += g.rule_names[e.arg];
      } else if (single) {
        if (!in_literal) {
          out += " \"";
          in_literal = true;
        }
        append_escaped(out, g.classes[e.arg].ranges[0].first, false);
      } else {
        out += ' ';
        append_class(out, g.classes[e.arg]);
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace primer
