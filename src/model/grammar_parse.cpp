// GBNF text -> GrammarImpl (grammar_impl.h). A recursive-descent parser over bytes:
//   grammar      := (rule | comment | blank line)*
//   rule         := name '::=' alternatives            (ends at a newline outside ( ), unless
//                                                       the next line does not start a new rule)
//   alternatives := sequence ('|' sequence)*
//   sequence     := (primary repetition?)*
//   primary      := name | '"' literal '"' | '[' '^'? class ']' | '.' | '(' alternatives ')'
//   repetition   := '*' | '+' | '?' | '{' m '}' | '{' m ',' '}' | '{' m ',' n '}'
// Groups and repeated items become generated rules ("<rule>-<n>"), so the compiled grammar holds
// only code-point classes and rule references. After parsing: every referenced rule must be
// defined, the root must exist, and no rule may be left-recursive (directly, or through rules
// that can match the empty string), since the matcher expands rule references eagerly.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "model/grammar_impl.h"
#include "primer/utf8.h"

namespace primer {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

struct RuleDraft {
  std::string name;
  std::vector<GrammarElem> elems;  // alternatives separated by kAlt, no final kEnd
  bool defined = false;
  size_t def_offset = 0;
  size_t def_seq = 0;  // definition order (generated rules: when created)  // where it was defined (or first referenced, while undefined)
};

class GbnfParser {
 public:
  explicit GbnfParser(std::string_view src) : src_(src) {}

  Result<std::unique_ptr<GrammarImpl>> run(std::string_view root_name) {
    if (src_.size() > kGrammarMaxTextBytes) {
      return make_error("[grammar] GBNF text of %zu bytes exceeds the limit of %zu", src_.size(),
                        kGrammarMaxTextBytes);
    }
    skip_space(true);
    while (pos_ < src_.size()) {
      PRIMER_TRY(parse_rule());
      skip_space(true);
    }
    for (const RuleDraft& r : rules_) {
      if (!r.defined) return error_at(r.def_offset, "undefined rule '" + r.name + "'");
    }
    auto root_it = ids_.find(std::string(root_name));
    if (root_it == ids_.end()) {
      return Error{"[grammar] root rule '" + std::string(root_name) + "' is not defined"};
    }
    PRIMER_TRY(check_left_recursion());
    return build(root_it->second);
  }

 private:
  // --- errors and positions -----------------------------------------------------------------
  Error error_at(size_t offset, const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < offset && i < src_.size(); ++i) {
      if (src_[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    return make_error("[grammar] line %zu, column %zu: %s", line, col, what.c_str());
  }
  Error error_here(const std::string& what) const { return error_at(pos_, what); }
  bool eof() const { return pos_ >= src_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

  // Skips blanks and comments; newlines too when `newlines`.
  void skip_space(bool newlines) {
    while (!eof()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++pos_;
      } else if (c == '#') {
        while (!eof() && src_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  // At a newline outside groups: does the rule continue on a following line? It ends at the end
  // of input or where the next line starts `name ::=`.
  bool rule_continues_after_newline() const {
    GbnfParser probe = *this;
    probe.skip_space(true);
    if (probe.eof()) return false;
    size_t p = probe.pos_;
    while (p < src_.size() && is_name_char(src_[p])) ++p;
    if (p == probe.pos_) return true;
    while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t')) ++p;
    return src_.substr(p, 3) != "::=";
  }

  // --- rules -------------------------------------------------------------------------------
  Result<uint32_t> rule_id(const std::string& name, size_t offset) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    if (rules_.size() >= kGrammarMaxRules) return error_at(offset, "too many rules (limit " + std::to_string(kGrammarMaxRules) + ")");
    uint32_t id = static_cast<uint32_t>(rules_.size());
    rules_.push_back(RuleDraft{name, {}, false, offset});
    ids_.emplace(name, id);
    return id;
  }

  Result<uint32_t> new_generated_rule(uint32_t parent, std::vector<GrammarElem> elems) {
    std::string base = rules_[parent].name;
    std::string name;
    do {
      name = base + "-" + std::to_string(++gen_counter_);
    } while (ids_.count(name));
    PRIMER_ASSIGN_OR_RETURN(uint32_t id, rule_id(name, pos_));
    PRIMER_TRY(count_elems(elems.size() + 1));
    rules_[id].elems = std::move(elems);
    rules_[id].defined = true;
    rules_[id].def_seq = next_seq_++;
    return id;
  }

  Status count_elems(size_t n) {
    n_elems_ += n;
    if (n_elems_ > kGrammarMaxElems) return error_here("grammar too large (over " + std::to_string(kGrammarMaxElems) + " elements)");
    return ok_status();
  }

  Status parse_rule() {
    size_t start = pos_;
    std::string name = parse_name();
    if (name.empty()) return error_here("expected a rule name");
    skip_space(false);
    if (src_.substr(pos_, 3) != "::=") return error_here("expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    skip_space(false);
    PRIMER_ASSIGN_OR_RETURN(uint32_t id, rule_id(name, start));
    if (rules_[id].defined) return error_at(start, "rule '" + name + "' is defined twice");
    rules_[id].defined = true;
    rules_[id].def_offset = start;
    rules_[id].def_seq = next_seq_++;
    std::vector<GrammarElem> elems;
    PRIMER_TRY(parse_alternatives(id, 0, elems));
    if (!eof() && peek() != '\n' && peek() != '\r') {
      if (peek() == ')') return error_here("unbalanced ')'");
      return error_here(std::string("unexpected '") + peek() + "' in rule '" + name + "'");
    }
    PRIMER_TRY(count_elems(elems.size() + 1));
    rules_[id].elems = std::move(elems);
    return ok_status();
  }

  std::string parse_name() {
    size_t b = pos_;
    while (!eof() && is_name_char(src_[pos_])) ++pos_;
    return std::string(src_.substr(b, pos_ - b));
  }

  Status parse_alternatives(uint32_t rule, int depth, std::vector<GrammarElem>& out) {
    PRIMER_TRY(parse_sequence(rule, depth, out));
    while (peek() == '|') {
      ++pos_;
      skip_space(depth > 0);  // at depth 0 parse_sequence decides whether a newline ends the rule
      out.push_back({GrammarOp::kAlt, 0});
      PRIMER_TRY(parse_sequence(rule, depth, out));
    }
    return ok_status();
  }

  Status parse_sequence(uint32_t rule, int depth, std::vector<GrammarElem>& out) {
    while (true) {
      skip_space(depth > 0);
      if (depth == 0 && (peek() == '\n' || peek() == '\r')) {
        if (!rule_continues_after_newline()) return ok_status();
        skip_space(true);
        if (peek() == '|') return ok_status();
      }
      if (eof()) return ok_status();
      size_t item_start = out.size();
      size_t item_offset = pos_;
      char c = peek();
      if (c == '"') {
        PRIMER_TRY(parse_literal(out));
      } else if (c == '[') {
        PRIMER_TRY(parse_class(out));
      } else if (c == '.') {
        ++pos_;
        out.push_back({GrammarOp::kChar, any_class()});
      } else if (c == '(') {
        if (depth + 1 > kGrammarMaxNesting) return error_here("groups nested deeper than " + std::to_string(kGrammarMaxNesting));
        ++pos_;
        skip_space(true);
        std::vector<GrammarElem> inner;
        PRIMER_TRY(parse_alternatives(rule, depth + 1, inner));
        skip_space(true);
        if (peek() != ')') return error_at(item_offset, "unbalanced '(': expected ')'");
        ++pos_;
        PRIMER_ASSIGN_OR_RETURN(uint32_t g, new_generated_rule(rule, std::move(inner)));
        out.push_back({GrammarOp::kRuleRef, g});
      } else if (is_name_char(c)) {
        std::string name = parse_name();
        PRIMER_ASSIGN_OR_RETURN(uint32_t id, rule_id(name, item_offset));
        out.push_back({GrammarOp::kRuleRef, id});
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        return error_here(std::string("repetition '") + c + "' without an item before it");
      } else if (c == ']') {
        return error_here("unbalanced ']'");
      } else {
        return ok_status();  // ')' '|' or an error the caller reports
      }
      skip_space(false);
      c = peek();
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        PRIMER_TRY(parse_repetition(rule, item_start, out));
      }
    }
  }

  Status parse_repetition(uint32_t rule, size_t item_start, std::vector<GrammarElem>& out) {
    char c = src_[pos_++];
    uint32_t min_n = 0, max_n = 0;
    bool unbounded = false;
    if (c == '*') { unbounded = true; }
    else if (c == '+') { min_n = 1; unbounded = true; }
    else if (c == '?') { max_n = 1; }
    else {
      skip_space(false);
      PRIMER_ASSIGN_OR_RETURN(min_n, parse_count());
      skip_space(false);
      if (peek() == ',') {
        ++pos_;
        skip_space(false);
        if (peek() == '}') { unbounded = true; }
        else { PRIMER_ASSIGN_OR_RETURN(max_n, parse_count()); }
        skip_space(false);
      } else {
        max_n = min_n;
      }
      if (peek() != '}') return error_here("expected '}' to close the repetition");
      ++pos_;
      if (!unbounded && max_n < min_n) return error_here("repetition {m,n} with n < m");
    }
    // The item as one element: a multi-element literal becomes a rule of its own.
    std::vector<GrammarElem> item(out.begin() + static_cast<std::ptrdiff_t>(item_start), out.end());
    out.resize(item_start);
    if (item.empty()) return ok_status();  // ("")* matches only the empty string
    GrammarElem one = item[0];
    if (item.size() > 1) {
      PRIMER_ASSIGN_OR_RETURN(uint32_t g, new_generated_rule(rule, std::move(item)));
      one = {GrammarOp::kRuleRef, g};
    }
    PRIMER_TRY(count_elems(min_n + (unbounded ? 0 : max_n - min_n) * 4 + 4));
    for (uint32_t i = 0; i < min_n; ++i) out.push_back(one);
    if (unbounded) {
      // star ::= item star |
      PRIMER_ASSIGN_OR_RETURN(uint32_t star, new_generated_rule(rule, {}));
      rules_[star].elems = {one, {GrammarOp::kRuleRef, star}, {GrammarOp::kAlt, 0}};
      out.push_back({GrammarOp::kRuleRef, star});
    } else if (max_n > min_n) {
      // opt_k ::= item opt_{k-1} |   (innermost first)
      int64_t last = -1;
      for (uint32_t i = min_n; i < max_n; ++i) {
        std::vector<GrammarElem> e{one};
        if (last >= 0) e.push_back({GrammarOp::kRuleRef, static_cast<uint32_t>(last)});
        e.push_back({GrammarOp::kAlt, 0});
        PRIMER_ASSIGN_OR_RETURN(uint32_t opt, new_generated_rule(rule, std::move(e)));
        last = opt;
      }
      out.push_back({GrammarOp::kRuleRef, static_cast<uint32_t>(last)});
    }
    return ok_status();
  }

  Result<uint32_t> parse_count() {
    size_t b = pos_;
    uint64_t v = 0;
    while (!eof() && src_[pos_] >= '0' && src_[pos_] <= '9') {
      v = v * 10 + static_cast<uint64_t>(src_[pos_] - '0');
      if (v > kGrammarMaxRepeat) return error_at(b, "repetition bound exceeds " + std::to_string(kGrammarMaxRepeat));
      ++pos_;
    }
    if (pos_ == b) return error_here("expected a number in the repetition");
    return static_cast<uint32_t>(v);
  }

  // One character of a literal or class (an escape or one UTF-8 code point).
  Result<char32_t> parse_char() {
    if (eof()) return error_here("unexpected end of input");
    size_t at = pos_;
    char c = src_[pos_];
    if (c == '\\') {
      ++pos_;
      if (eof()) return error_here("unterminated escape");
      char e = src_[pos_++];
      switch (e) {
        case 'n': return U'\n';
        case 'r': return U'\r';
        case 't': return U'\t';
        case '0': return U'\0';
        case '\\': case '"': case '\'': case '[': case ']': case '-': case '^': case '/': case '.':
          return static_cast<char32_t>(e);
        case 'x': return parse_hex(2, at);
        case 'u': return parse_hex(4, at);
        case 'U': return parse_hex(8, at);
        default: return error_at(at, std::string("unknown escape '\\") + e + "'");
      }
    }
    char32_t cp = 0;
    size_t n = utf8::next(src_, pos_, &cp);
    if (n == 0) return error_here("invalid UTF-8 in the grammar text");
    pos_ += n;
    return cp;
  }

  Result<char32_t> parse_hex(int digits, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      char h = peek();
      int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (d < 0) return error_at(at, "expected " + std::to_string(digits) + " hex digits in the escape");
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return error_at(at, "escape is not a Unicode scalar value");
    return static_cast<char32_t>(v);
  }

  Status parse_literal(std::vector<GrammarElem>& out) {
    size_t start = pos_++;
    while (true) {
      if (eof() || peek() == '\n') return error_at(start, "unterminated string literal");
      if (peek() == '"') { ++pos_; return ok_status(); }
      PRIMER_ASSIGN_OR_RETURN(char32_t cp, parse_char());
      out.push_back({GrammarOp::kChar, single_class(cp)});
    }
  }

  Status parse_class(std::vector<GrammarElem>& out) {
    size_t start = pos_++;
    CharClass cls;
    if (peek() == '^') { cls.negated = true; ++pos_; }
    while (true) {
      if (eof() || peek() == '\n') return error_at(start, "unbalanced '[': expected ']'");
      if (peek() == ']') { ++pos_; break; }
      PRIMER_ASSIGN_OR_RETURN(char32_t lo, parse_char());
      char32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < src_.size()) {
        ++pos_;
        PRIMER_ASSIGN_OR_RETURN(hi, parse_char());
        if (hi < lo) return error_at(start, "character range with its end before its start");
      }
      cls.ranges.push_back({lo, hi});
    }
    cls.finish();
    out.push_back({GrammarOp::kChar, static_cast<uint32_t>(classes_.size())});
    classes_.push_back(std::move(cls));
    return ok_status();
  }

  uint32_t single_class(char32_t cp) {
    auto it = single_.find(cp);
    if (it != single_.end()) return it->second;
    CharClass cls;
    cls.ranges.push_back({cp, cp});
    cls.finish();
    uint32_t id = static_cast<uint32_t>(classes_.size());
    classes_.push_back(std::move(cls));
    single_.emplace(cp, id);
    return id;
  }

  uint32_t any_class() {
    if (any_ < 0) {
      CharClass cls;
      cls.negated = true;
      cls.finish();
      any_ = static_cast<int64_t>(classes_.size());
      classes_.push_back(std::move(cls));
    }
    return static_cast<uint32_t>(any_);
  }

  // --- checks and build --------------------------------------------------------------------
  // Alternatives of a draft rule as [begin, end) index pairs.
  static std::vector<std::pair<size_t, size_t>> alternatives(const RuleDraft& r) {
    std::vector<std::pair<size_t, size_t>> alts;
    size_t b = 0;
    for (size_t i = 0; i <= r.elems.size(); ++i) {
      if (i == r.elems.size() || r.elems[i].op == GrammarOp::kAlt) {
        alts.push_back({b, i});
        b = i + 1;
      }
    }
    return alts;
  }

  Status check_left_recursion() {
    size_t n = rules_.size();
    std::vector<uint8_t> nullable(n, 0);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < n; ++r) {
        if (nullable[r]) continue;
        for (auto [b, e] : alternatives(rules_[r])) {
          bool all = true;
          for (size_t i = b; i < e && all; ++i) {
            const GrammarElem& el = rules_[r].elems[i];
            all = el.op == GrammarOp::kRuleRef && nullable[el.arg];
          }
          if (all) { nullable[r] = 1; changed = true; break; }
        }
      }
    }
    // Edges r -> s where s can be reached without consuming input.
    std::vector<std::vector<uint32_t>> left(n);
    for (size_t r = 0; r < n; ++r) {
      for (auto [b, e] : alternatives(rules_[r])) {
        for (size_t i = b; i < e; ++i) {
          const GrammarElem& el = rules_[r].elems[i];
          if (el.op != GrammarOp::kRuleRef) break;
          left[r].push_back(el.arg);
          if (!nullable[el.arg]) break;
        }
      }
    }
    // Iterative DFS with colours: 0 new, 1 on the path, 2 done.
    std::vector<uint8_t> colour(n, 0);
    std::vector<std::pair<uint32_t, size_t>> path;
    for (size_t s = 0; s < n; ++s) {
      if (colour[s]) continue;
      path.push_back({static_cast<uint32_t>(s), 0});
      colour[s] = 1;
      while (!path.empty()) {
        auto& [r, next] = path.back();
        if (next < left[r].size()) {
          uint32_t t = left[r][next++];
          if (colour[t] == 1) {
            std::string cycle = rules_[t].name;
            bool on = false;
            for (auto& [pr, unused] : path) {
              (void)unused;
              if (pr == t) on = true;
              if (on && pr != t) cycle += " -> " + rules_[pr].name;
            }
            cycle += " -> " + rules_[t].name;
            return error_at(rules_[t].def_offset, "left recursion: " + cycle);
          }
          if (colour[t] == 0) {
            colour[t] = 1;
            path.push_back({t, 0});
          }
        } else {
          colour[r] = 2;
          path.pop_back();
        }
      }
    }
    return ok_status();
  }

  // Rules in definition order (so to_gbnf() output parses back to the same grammar).
  std::unique_ptr<GrammarImpl> build(uint32_t root) {
    std::vector<uint32_t> order(rules_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return rules_[a].def_seq < rules_[b].def_seq; });
    std::vector<uint32_t> remap(rules_.size());
    for (uint32_t i = 0; i < order.size(); ++i) remap[order[i]] = i;
    auto g = std::make_unique<GrammarImpl>();
    g->root = remap[root];
    g->classes = std::move(classes_);
    for (uint32_t id : order) {
      const RuleDraft& r = rules_[id];
      g->rule_begin.push_back(static_cast<uint32_t>(g->elems.size()));
      g->rule_names.push_back(r.name);
      for (GrammarElem e : r.elems) {
        if (e.op == GrammarOp::kRuleRef) e.arg = remap[e.arg];
        g->elems.push_back(e);
      }
      g->elems.push_back({GrammarOp::kEnd, 0});
    }
    finish_grammar(*g);
    return g;
  }

  std::string_view src_;
  size_t pos_ = 0;
  std::vector<RuleDraft> rules_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<CharClass> classes_;
  std::map<char32_t, uint32_t> single_;
  int64_t any_ = -1;
  size_t gen_counter_ = 0;
  size_t next_seq_ = 0;
  size_t n_elems_ = 0;
};

}  // namespace

void finish_grammar(GrammarImpl& g) {
  g.alt_begin.clear();
  g.rule_alts.clear();
  for (size_t r = 0; r < g.rule_begin.size(); ++r) {
    g.rule_alts.push_back(static_cast<uint32_t>(g.alt_begin.size()));
    uint32_t p = g.rule_begin[r];
    g.alt_begin.push_back(p);
    for (; g.elems[p].op != GrammarOp::kEnd; ++p) {
      if (g.elems[p].op == GrammarOp::kAlt) g.alt_begin.push_back(p + 1);
    }
  }
  g.rule_alts.push_back(static_cast<uint32_t>(g.alt_begin.size()));
}

bool CharClass::in_ranges(char32_t cp) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                             [](char32_t v, const std::pair<char32_t, char32_t>& r) { return v < r.first; });
  if (it == ranges.begin()) return false;
  --it;
  return cp <= it->second;
}

bool CharClass::intersects(char32_t lo, char32_t hi) const {
  if (lo > hi) return false;
  if (!negated) {
    for (const auto& [a, b] : ranges) {
      if (a <= hi && b >= lo) return true;
    }
    return false;
  }
  // Negated: some point of [lo, hi] is not covered by the (merged, sorted) ranges.
  char32_t next = lo;
  for (const auto& [a, b] : ranges) {
    if (b < next) continue;
    if (a > next) return true;
    if (b >= hi) return false;
    next = b + 1;
  }
  return next <= hi;
}

void CharClass::finish() {
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<char32_t, char32_t>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
  ascii[0] = ascii[1] = 0;
  for (char32_t c = 0; c < 128; ++c) {
    if (in_ranges(c) != negated) ascii[c >> 6] |= uint64_t{1} << (c & 63);
  }
}

Grammar::Grammar(std::unique_ptr<GrammarImpl> impl) : impl_(std::move(impl)) {}
Grammar::~Grammar() = default;

Result<std::shared_ptr<const Grammar>> Grammar::parse(std::string_view gbnf, std::string_view root) {
  GbnfParser parser(gbnf);
  PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<GrammarImpl> impl, parser.run(root));
  return GrammarImpl::make(std::move(impl));
}

}  // namespace primer
