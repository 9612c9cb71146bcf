// JSON Schema -> GBNF, then Grammar::parse. One rule per subschema; fixed pieces (whitespace,
// strings, numbers, formats) come from json_schema_prims.h.
//
// Objects: properties in schema order; required ones always, optional ones may be skipped. With
// n properties this is 2n small rules (first_i: nothing written yet; after_i: something written,
// so a comma comes first). Extra keys (additionalProperties absent/true/a schema) come after the
// listed ones, are written without escapes and can never equal a listed name (a trie of the
// names, see not_names_rule), so a listed property is never repeated with another schema.
// Arrays: prefixItems then items, within minItems/maxItems (truncating the prefix when
// minItems allows). Integers with minimum/maximum are matched exactly (digit-range rules);
// unbounded integers have at most 16 digits. oneOf is compiled like anyOf: the output matches
// at least one branch, so it satisfies oneOf only when the branches are disjoint.
#include "model/json_schema.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "model/grammar_impl.h"
#include "model/json_schema_prims.h"
#include "primer/utf8.h"

namespace primer {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kMaxSchemaDepth = 64;
constexpr int64_t kIntLimit = 9999999999999999;  // 16 digits

// Keywords that only annotate (ignored) and those we understand; anything in kUnsupported is an
// error. Other unknown keywords are ignored like annotations.
const std::set<std::string>& unsupported_keywords() {
  static const std::set<std::string> k = {
      "pattern", "multipleOf", "minProperties", "maxProperties", "patternProperties", "propertyNames",
      "dependentRequired", "dependentSchemas", "dependencies", "if", "then", "else", "not", "contains",
      "minContains", "maxContains", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef",
      "$recursiveRef", "contentSchema"};
  return k;
}

std::string gbnf_literal(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string class_char(char32_t cp) {
  std::string out;
  if (cp == '\\' || cp == ']' || cp == '[' || cp == '-' || cp == '^' || cp == '"') {
    out += '\\';
    out += static_cast<char>(cp);
  } else if (cp < 0x20 || cp == 0x7F) {
    static const char* hex = "0123456789ABCDEF";
    out += "\\x";
    out += hex[cp >> 4];
    out += hex[cp & 15];
  } else {
    utf8::append(out, cp);
  }
  return out;
}

std::string pointer_text(const std::string& ptr) { return "#" + ptr; }

std::string escape_pointer_token(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Decimal digit-range rules: numbers in [lo, hi] without leading zeros.
std::string same_length_range(const std::string& a, const std::string& b) {
  size_t n = a.size();
  if (a == b) return gbnf_literal(a);
  if (n == 1) return std::string("[") + a[0] + "-" + b[0] + "]";
  std::string rest_a = a.substr(1), rest_b = b.substr(1);
  if (a[0] == b[0]) return gbnf_literal(a.substr(0, 1)) + " (" + same_length_range(rest_a, rest_b) + ")";
  std::string nines(n - 1, '9'), zeros(n - 1, '0');
  std::string any_tail = " [0-9]{" + std::to_string(n - 1) + "}";
  if (rest_a == zeros && rest_b == nines) return std::string("[") + a[0] + "-" + b[0] + "]" + any_tail;
  std::string out = gbnf_literal(a.substr(0, 1)) + " (" + same_length_range(rest_a, nines) + ")";
  if (b[0] - a[0] >= 2) out += std::string(" | [") + static_cast<char>(a[0] + 1) + "-" + static_cast<char>(b[0] - 1) + "]" + any_tail;
  out += " | " + gbnf_literal(b.substr(0, 1)) + " (" + same_length_range(zeros, rest_b) + ")";
  return out;
}

std::string nonneg_range(int64_t lo, int64_t hi) {
  std::string out;
  int64_t p = 1;
  for (int digits = 1; digits <= 17 && lo <= hi; ++digits, p *= 10) {
    int64_t dmin = digits == 1 ? 0 : p, dmax = p * 10 - 1;
    int64_t a = std::max(lo, dmin), b = std::min(hi, dmax);
    if (a > b) continue;
    if (!out.empty()) out += " | ";
    out += '(';
    out += same_length_range(std::to_string(a), std::to_string(b));
    out += ')';
  }
  return out;
}

std::string int_range(int64_t lo, int64_t hi) {
  std::string out;
  if (hi >= 0) out = nonneg_range(std::max<int64_t>(lo, 0), hi);
  if (lo < 0) {
    if (!out.empty()) out += " | ";
    out += "\"-\" (" + nonneg_range(std::max<int64_t>(1, -std::min<int64_t>(hi, -1)), -lo) + ")";
  }
  return out;
}

// Code-point trie of property names, for "a key that is none of these names".
struct NameTrie {
  struct Node {
    std::map<char32_t, size_t> next;
    bool terminal = false;
  };
  std::vector<Node> nodes{1};
  void add(std::string_view name) {
    size_t n = 0;
    for (size_t i = 0; i < name.size();) {
      char32_t cp = 0;
      size_t len = utf8::next(name, i, &cp);
      if (len == 0) return;  // not valid UTF-8: cannot be written as a key anyway
      i += len;
      auto it = nodes[n].next.find(cp);
      if (it == nodes[n].next.end()) {
        nodes.push_back(Node{});
        it = nodes[n].next.emplace(cp, nodes.size() - 1).first;
      }
      n = it->second;
    }
    nodes[n].terminal = true;
  }
};

bool plain_key_char(char32_t cp) { return cp >= 0x20 && cp != '"' && cp != '\\'; }

class SchemaCompiler {
 public:
  explicit SchemaCompiler(const Json& root) : root_(root) {}

  Result<std::string> run() {
    PRIMER_ASSIGN_OR_RETURN(std::string body, visit(root_, "", 0));
    std::string out = "root ::= " + body + "\n";
    out += rules_;
    // Primitives, with their dependencies, in a fixed order.
    for (const auto& p : json_prims::kPrims) {
      if (used_prims_.count(std::string(p.name))) out += std::string(p.name) + " ::= " + std::string(p.body) + "\n";
    }
    return out;
  }

  std::string prim(std::string_view name) {
    if (used_prims_.insert(std::string(name)).second) {
      for (const auto& p : json_prims::kPrims) {
        if (p.name != name) continue;
        for (std::string_view d : p.deps) {
          if (!d.empty()) prim(d);
        }
      }
    }
    return std::string(name);
  }

 private:
  Error error(const std::string& ptr, const std::string& what) const {
    return Error{"[json_schema] " + pointer_text(ptr) + ": " + what};
  }

  std::string new_rule_name(std::string hint) {
    std::string name;
    for (char c : hint) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) name += c;
      else if (!name.empty() && name.back() != '-') name += '-';
      if (name.size() > 24) break;
    }
    if (name.empty() || name == "root" || name.rfind("json-", 0) == 0 || name.rfind("fmt-", 0) == 0 || name == "ws") name = "s-" + name;
    while (!name.empty() && name.back() == '-') name.pop_back();
    std::string unique = name;
    for (int i = 2; names_.count(unique); ++i) unique = name + "-" + std::to_string(i);
    names_.insert(unique);
    return unique;
  }

  std::string add_rule(const std::string& hint, const std::string& body) {
    std::string name = new_rule_name(hint);
    rules_ += name + " ::= " + body + "\n";
    return name;
  }

  Result<const Json*> resolve_ref(const std::string& ref, const std::string& ptr) {
    if (ref == "#") return &root_;
    if (ref.rfind("#/", 0) != 0) return error(ptr + "/$ref", "only local references (#/$defs/...) are supported, got '" + ref + "'");
    const Json* cur = &root_;
    size_t i = 2;
    while (i <= ref.size()) {
      size_t j = ref.find('/', i);
      if (j == std::string::npos) j = ref.size();
      std::string tok = ref.substr(i, j - i);
      std::string key;
      for (size_t k = 0; k < tok.size(); ++k) {
        if (tok[k] == '~' && k + 1 < tok.size() && (tok[k + 1] == '0' || tok[k + 1] == '1')) {
          key += tok[k + 1] == '0' ? '~' : '/';
          ++k;
        } else {
          key += tok[k];
        }
      }
      if (cur->is_object() && cur->contains(key)) {
        cur = &(*cur)[key];
      } else if (cur->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                 key.size() < 9 && std::stoul(key) < cur->size()) {
        cur = &(*cur)[std::stoul(key)];
      } else {
        return error(ptr + "/$ref", "reference '" + ref + "' does not resolve");
      }
      i = j + 1;
    }
    return cur;
  }

  Result<std::string> visit(const Json& s, const std::string& ptr, int depth) {
    if (depth > kMaxSchemaDepth) return error(ptr, "schema nested deeper than " + std::to_string(kMaxSchemaDepth));
    if (s.is_boolean()) {
      if (s.get<bool>()) return prim("json-value");
      return error(ptr, "schema 'false' matches nothing");
    }
    if (!s.is_object()) return error(ptr, "a schema must be an object or a boolean");
    for (const auto& [k, v] : s.items()) {
      (void)v;
      if (unsupported_keywords().count(k)) return error(ptr + "/" + escape_pointer_token(k), "unsupported keyword '" + k + "'");
    }
    if (s.contains("uniqueItems") && s["uniqueItems"] == true) return error(ptr + "/uniqueItems", "unsupported keyword 'uniqueItems'");
    std::string body;
    PRIMER_ASSIGN_OR_RETURN(body, visit_inner(s, ptr, depth));
    if (s.contains("nullable") && s["nullable"] == true) body = "(" + body + ") | " + prim("json-null");
    return "(" + body + ")";
  }

  Result<std::string> visit_inner(const Json& s, const std::string& ptr, int depth) {
    if (s.contains("$ref")) {
      for (const char* k : {"type", "properties", "items", "enum", "const", "anyOf", "oneOf", "allOf", "prefixItems"}) {
        if (s.contains(k)) return error(ptr + "/" + k, std::string("'") + k + "' beside '$ref' is not supported");
      }
      if (!s["$ref"].is_string()) return error(ptr + "/$ref", "'$ref' must be a string");
      std::string ref = s["$ref"].get<std::string>();
      auto it = ref_rules_.find(ref);
      if (it != ref_rules_.end()) return it->second;
      PRIMER_ASSIGN_OR_RETURN(const Json* target, resolve_ref(ref, ptr));
      std::string name = new_rule_name("ref-" + ref.substr(ref.rfind('/') + 1));
      ref_rules_[ref] = name;
      std::string target_ptr = ref.size() > 1 ? ref.substr(1) : "";
      PRIMER_ASSIGN_OR_RETURN(std::string body, visit(*target, target_ptr, depth + 1));
      rules_ += name + " ::= " + body + "\n";
      return name;
    }
    if (s.contains("const")) return gbnf_literal(s["const"].dump());
    if (s.contains("enum")) {
      const Json& e = s["enum"];
      if (!e.is_array() || e.empty()) return error(ptr + "/enum", "'enum' must be a non-empty array");
      std::string out;
      for (const Json& v : e) {
        if (s.contains("type") && !type_matches(s["type"], v)) continue;
        if (!out.empty()) out += " | ";
        out += gbnf_literal(v.dump());
      }
      if (out.empty()) return error(ptr + "/enum", "no enum value has the schema's type");
      return out;
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      const Json& alts = s[key];
      if (!alts.is_array() || alts.empty()) return error(ptr + "/" + key, std::string("'") + key + "' must be a non-empty array");
      for (const char* k : {"type", "properties", "items", "allOf"}) {
        if (s.contains(k)) return error(ptr + "/" + k, std::string("'") + k + "' beside '" + key + "' is not supported");
      }
      std::string out;
      for (size_t i = 0; i < alts.size(); ++i) {
        PRIMER_ASSIGN_OR_RETURN(std::string b, visit(alts[i], ptr + "/" + key + "/" + std::to_string(i), depth + 1));
        if (!out.empty()) out += " | ";
        out += add_rule(std::string(key) + "-" + std::to_string(i), b);
      }
      return out;
    }
    if (s.contains("allOf")) return visit_all_of(s, ptr, depth);
    if (s.contains("type")) {
      const Json& t = s["type"];
      if (t.is_string()) return visit_typed(s, t.get<std::string>(), ptr, depth);
      if (!t.is_array() || t.empty()) return error(ptr + "/type", "'type' must be a string or a non-empty array");
      std::string out;
      for (const Json& one : t) {
        if (!one.is_string()) return error(ptr + "/type", "'type' entries must be strings");
        PRIMER_ASSIGN_OR_RETURN(std::string b, visit_typed(s, one.get<std::string>(), ptr, depth));
        if (!out.empty()) out += " | ";
        out += "(" + b + ")";
      }
      return out;
    }
    // No type: infer it from the keywords present.
    for (const char* k : {"properties", "additionalProperties", "required"}) {
      if (s.contains(k)) return visit_typed(s, "object", ptr, depth);
    }
    for (const char* k : {"items", "prefixItems", "minItems", "maxItems"}) {
      if (s.contains(k)) return visit_typed(s, "array", ptr, depth);
    }
    for (const char* k : {"minLength", "maxLength", "format"}) {
      if (s.contains(k)) return visit_typed(s, "string", ptr, depth);
    }
    for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
      if (s.contains(k)) return visit_typed(s, "number", ptr, depth);
    }
    return prim("json-value");
  }

  static bool type_matches(const Json& type, const Json& v) {
    auto one = [&](const std::string& t) {
      if (t == "string") return v.is_string();
      if (t == "number") return v.is_number();
      if (t == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
      if (t == "boolean") return v.is_boolean();
      if (t == "null") return v.is_null();
      if (t == "object") return v.is_object();
      if (t == "array") return v.is_array();
      return false;
    };
    if (type.is_string()) return one(type.get<std::string>());
    if (type.is_array()) {
      for (const Json& t : type) {
        if (t.is_string() && one(t.get<std::string>())) return true;
      }
    }
    return false;
  }

  Result<std::string> visit_all_of(const Json& s, const std::string& ptr, int depth) {
    const Json& parts = s["allOf"];
    if (!parts.is_array() || parts.empty()) return error(ptr + "/allOf", "'allOf' must be a non-empty array");
    // Merge object schemas: properties (a name in two parts is an error), required (union),
    // additionalProperties (the most restrictive: false wins; otherwise the outer schema's).
    Json merged = Json::object();
    merged["type"] = "object";
    merged["properties"] = Json::object();
    merged["required"] = Json::array();
    bool closed = false;
    std::vector<const Json*> all{&s};
    for (size_t i = 0; i < parts.size(); ++i) {
      const Json* p = &parts[i];
      std::string pptr = ptr + "/allOf/" + std::to_string(i);
      if (p->is_object() && p->contains("$ref") && (*p)["$ref"].is_string()) {
        PRIMER_ASSIGN_OR_RETURN(p, resolve_ref((*p)["$ref"].get<std::string>(), pptr));
      }
      if (!p->is_object() || p->contains("allOf") || p->contains("anyOf") || p->contains("oneOf") ||
          (p->contains("type") && (*p)["type"] != "object")) {
        return error(pptr, "'allOf' is supported only for object schemas");
      }
      all.push_back(p);
    }
    for (const Json* p : all) {
      if (p->contains("properties")) {
        if (!(*p)["properties"].is_object()) return error(ptr + "/allOf", "'properties' must be an object");
        for (const auto& [k, v] : (*p)["properties"].items()) {
          if (merged["properties"].contains(k)) return error(ptr + "/allOf", "property '" + k + "' is defined by two parts of 'allOf'");
          merged["properties"][k] = v;
        }
      }
      if (p->contains("required") && (*p)["required"].is_array()) {
        for (const Json& r : (*p)["required"]) merged["required"].push_back(r);
      }
      if (p->contains("additionalProperties") && (*p)["additionalProperties"] == false) closed = true;
    }
    // ajv applies each part's additionalProperties false to that part's own properties only:
    // such a part must list every merged property, or no document could satisfy both.
    for (const Json* p : all) {
      if (!(p->contains("additionalProperties") && (*p)["additionalProperties"] == false)) continue;
      for (const auto& [k, v] : merged["properties"].items()) {
        (void)v;
        if (!p->contains("properties") || !(*p)["properties"].is_object() || !(*p)["properties"].contains(k)) {
          return error(ptr + "/allOf", "property '" + k + "' is excluded by a part with additionalProperties false");
        }
      }
    }
    if (closed) merged["additionalProperties"] = false;
    else if (s.contains("additionalProperties")) merged["additionalProperties"] = s["additionalProperties"];
    return visit_object(merged, ptr, depth);
  }

  Result<std::string> visit_typed(const Json& s, const std::string& type, const std::string& ptr, int depth) {
    if (type == "string") return visit_string(s, ptr);
    if (type == "integer") return visit_integer(s, ptr);
    if (type == "number") {
      for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
        if (s.contains(k)) return error(ptr + "/" + k, std::string("unsupported keyword '") + k + "' for type number (only for integer)");
      }
      return prim("json-number");
    }
    if (type == "boolean") return prim("json-boolean");
    if (type == "null") return prim("json-null");
    if (type == "object") return visit_object(s, ptr, depth);
    if (type == "array") return visit_array(s, ptr, depth);
    return error(ptr + "/type", "unknown type '" + type + "'");
  }

  Result<int64_t> get_count(const Json& s, const char* key, const std::string& ptr, int64_t dflt) {
    if (!s.contains(key)) return dflt;
    const Json& v = s[key];
    if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())) {
      return error(ptr + "/" + key, std::string("'") + key + "' must be a non-negative integer");
    }
    double d = v.get<double>();
    if (d < 0) return error(ptr + "/" + key, std::string("'") + key + "' must be a non-negative integer");
    if (d > kGrammarMaxRepeat) return error(ptr + "/" + key, std::string("'") + key + "' larger than " + std::to_string(kGrammarMaxRepeat) + " is not supported");
    return static_cast<int64_t>(d);
  }

  static std::string repeat_suffix(int64_t lo, int64_t hi) {  // hi < 0: unbounded
    if (hi < 0 && lo == 0) return "*";
    std::string out = "{";
    out += std::to_string(lo);
    out += ',';
    if (hi >= 0) out += std::to_string(hi);
    out += '}';
    return out;
  }

  Result<std::string> visit_string(const Json& s, const std::string& ptr) {
    PRIMER_ASSIGN_OR_RETURN(int64_t min_len, get_count(s, "minLength", ptr, 0));
    PRIMER_ASSIGN_OR_RETURN(int64_t max_len, get_count(s, "maxLength", ptr, -1));
    if (max_len >= 0 && max_len < min_len) return error(ptr + "/maxLength", "'maxLength' is below 'minLength'");
    if (s.contains("format")) {
      if (!s["format"].is_string()) return error(ptr + "/format", "'format' must be a string");
      std::string f = s["format"].get<std::string>();
      if (f != "date" && f != "time" && f != "date-time" && f != "uuid" && f != "email") {
        return error(ptr + "/format", "unsupported format '" + f + "' (date, time, date-time, uuid, email)");
      }
      if (s.contains("minLength") || s.contains("maxLength")) return error(ptr + "/format", "'format' with 'minLength'/'maxLength' is not supported");
      return "\"\\\"\" " + prim("fmt-" + f) + " \"\\\"\"";
    }
    if (min_len == 0 && max_len < 0) return prim("json-string");
    return "\"\\\"\" " + prim("json-char") + repeat_suffix(min_len, max_len) + " \"\\\"\"";
  }

  Result<std::string> visit_integer(const Json& s, const std::string& ptr) {
    int64_t lo = -kIntLimit, hi = kIntLimit;
    bool bounded = false;
    // Bounds become inclusive integers, clamped to the 16-digit range.
    auto bound = [&](const char* key, bool is_min, bool exclusive) -> Status {
      if (!s.contains(key)) return ok_status();
      const Json& v = s[key];
      if (!v.is_number()) return error(ptr + "/" + key, std::string("'") + key + "' must be a number");
      double d = std::clamp(v.get<double>(), -1e17, 1e17);
      double b = is_min ? (exclusive ? std::floor(d) + 1 : std::ceil(d)) : (exclusive ? std::ceil(d) - 1 : std::floor(d));
      int64_t ib = static_cast<int64_t>(b);
      if (v.is_number_integer() && std::abs(d) < 1e15) {  // exact for integers a double can't hold
        int64_t iv = v.get<int64_t>();
        ib = exclusive ? (is_min ? iv + 1 : iv - 1) : iv;
      }
      ib = std::clamp<int64_t>(ib, -kIntLimit - 1, kIntLimit + 1);
      if (is_min) lo = std::max(lo, ib);
      else hi = std::min(hi, ib);
      bounded = true;
      return ok_status();
    };
    PRIMER_TRY(bound("minimum", true, false));
    PRIMER_TRY(bound("exclusiveMinimum", true, true));
    PRIMER_TRY(bound("maximum", false, false));
    PRIMER_TRY(bound("exclusiveMaximum", false, true));
    if (!bounded) return prim("json-integer");
    if (lo > hi || lo > kIntLimit || hi < -kIntLimit) return error(ptr, "no integer of at most 16 digits satisfies the minimum/maximum");
    return add_rule("int", int_range(lo, hi));
  }

  Result<std::string> visit_object(const Json& s, const std::string& ptr, int depth) {
    struct Prop {
      std::string name;
      std::string rule;  // key ":" ws value
      bool required;
    };
    std::vector<Prop> props;
    std::set<std::string> required;
    if (s.contains("required")) {
      if (!s["required"].is_array()) return error(ptr + "/required", "'required' must be an array of strings");
      for (const Json& r : s["required"]) {
        if (!r.is_string()) return error(ptr + "/required", "'required' must be an array of strings");
        required.insert(r.get<std::string>());
      }
    }
    Json props_json = s.contains("properties") ? s["properties"] : Json::object();
    if (!props_json.is_object()) return error(ptr + "/properties", "'properties' must be an object");
    bool closed = s.contains("additionalProperties") && s["additionalProperties"] == false;
    for (const std::string& r : required) {
      if (props_json.contains(r)) continue;
      if (closed) return error(ptr + "/required", "required property '" + r + "' is not allowed by additionalProperties false");
      props_json[r] = true;
    }
    std::string ws = prim("ws");
    for (const auto& [name, sub] : props_json.items()) {
      std::string sub_ptr = ptr + "/properties/" + escape_pointer_token(name);
      PRIMER_ASSIGN_OR_RETURN(std::string value, visit(sub, sub_ptr, depth + 1));
      std::string kv = gbnf_literal(Json(name).dump()) + " \":\" " + ws + " " + value;
      props.push_back(Prop{name, add_rule("kv-" + name, kv), required.count(name) > 0});
    }
    // Extra members.
    std::string extra;
    if (!closed) {
      std::string value = prim("json-value");
      if (s.contains("additionalProperties") && !s["additionalProperties"].is_boolean()) {
        PRIMER_ASSIGN_OR_RETURN(value, visit(s["additionalProperties"], ptr + "/additionalProperties", depth + 1));
      }
      NameTrie trie;
      for (const Prop& p : props) trie.add(p.name);
      std::string key = not_names_rule(trie);
      extra = add_rule("extra-kv", "\"\\\"\" " + key + " \"\\\"\" \":\" " + ws + " " + value);
    }
    // first_i / after_i from the back.
    size_t n = props.size();
    std::string first_next = extra.empty() ? "\"\"" : "( " + extra + " ( \",\" " + ws + " " + extra + " )* )?";
    std::string after_next = extra.empty() ? "\"\"" : "( \",\" " + ws + " " + extra + " )*";
    if (!extra.empty()) {
      first_next = add_rule("obj-tail", first_next);
      after_next = add_rule("obj-tail", after_next);
    }
    for (size_t i = n; i-- > 0;) {
      const Prop& p = props[i];
      std::string after_body = "\",\" " + ws + " " + p.rule + " " + after_next;
      if (!p.required) after_body += " | " + after_next;
      std::string first_body = p.rule + " " + after_next;
      if (!p.required) first_body += " | " + first_next;
      after_next = add_rule("obj-after", after_body);
      first_next = add_rule("obj-first", first_body);
    }
    return "\"{\" " + ws + " " + first_next + " " + ws + " \"}\"";
  }

  // A rule for the text of a key (between the quotes, no escapes) that is none of the names.
  std::string not_names_rule(const NameTrie& trie) {
    std::string any = add_rule("key-any", "[^\"\\\\\\x00-\\x1F]*");
    std::vector<std::string> node_rule(trie.nodes.size());
    // Children before parents: nodes were appended in creation order, so children have larger
    // indices than their parents.
    for (size_t i = trie.nodes.size(); i-- > 0;) {
      const auto& node = trie.nodes[i];
      std::string cls = "[^\"\\\\\\x00-\\x1F";
      std::string alts;
      for (const auto& [cp, child] : node.next) {
        if (!plain_key_char(cp)) continue;
        cls += class_char(cp);
        std::string ch;
        utf8::append(ch, cp);
        alts += " | " + gbnf_literal(ch) + " " + node_rule[child];
      }
      std::string body = cls + "] " + any + alts;
      if (!node.terminal) body += " | \"\"";
      node_rule[i] = add_rule("key", body);
    }
    return node_rule[0];
  }

  Result<std::string> visit_array(const Json& s, const std::string& ptr, int depth) {
    PRIMER_ASSIGN_OR_RETURN(int64_t min_items, get_count(s, "minItems", ptr, 0));
    PRIMER_ASSIGN_OR_RETURN(int64_t max_items, get_count(s, "maxItems", ptr, -1));
    if (max_items >= 0 && max_items < min_items) return error(ptr + "/maxItems", "'maxItems' is below 'minItems'");
    std::string ws = prim("ws");
    std::vector<std::string> prefix;
    if (s.contains("prefixItems")) {
      const Json& p = s["prefixItems"];
      if (!p.is_array()) return error(ptr + "/prefixItems", "'prefixItems' must be an array");
      for (size_t i = 0; i < p.size(); ++i) {
        PRIMER_ASSIGN_OR_RETURN(std::string b, visit(p[i], ptr + "/prefixItems/" + std::to_string(i), depth + 1));
        prefix.push_back(add_rule("item-" + std::to_string(i), b));
      }
    }
    std::string item;  // empty: no items after the prefix
    if (!s.contains("items") || s["items"].is_boolean()) {
      if (!s.contains("items") || s["items"] == true) item = prim("json-value");
    } else {
      if (!s["items"].is_object()) return error(ptr + "/items", "'items' must be a schema");
      PRIMER_ASSIGN_OR_RETURN(std::string b, visit(s["items"], ptr + "/items", depth + 1));
      item = add_rule("item", b);
    }
    int64_t k = static_cast<int64_t>(prefix.size());
    if (max_items >= 0 && max_items < k) {
      prefix.resize(static_cast<size_t>(max_items));
      k = max_items;
    }
    if (item.empty() && min_items > k) return error(ptr + "/minItems", "'minItems' exceeds the number of items allowed");
    // Tail after the prefix: items with count in [max(0, min - k), max - k].
    int64_t tail_min = std::max<int64_t>(0, min_items - k);
    int64_t tail_max = max_items < 0 ? -1 : max_items - k;
    std::string comma_item = "( \",\" " + ws + " " + item + " )";
    std::string tail = "\"\"";
    if (!item.empty() && tail_max != 0) tail = comma_item + repeat_suffix(tail_min, tail_max);
    std::string body;  // the elements, not empty
    if (k > 0) {
      // pre_i: i prefix items written (1 <= i <= k).
      std::string next = add_rule("arr-tail", tail);
      for (int64_t i = k - 1; i >= 1; --i) {
        std::string b = "\",\" " + ws + " " + prefix[static_cast<size_t>(i)] + " " + next;
        if (i >= min_items) b += " | \"\"";
        next = add_rule("arr-pre", b);
      }
      body = prefix[0] + " " + next;
    } else if (!item.empty() && max_items != 0) {
      int64_t rest_min = std::max<int64_t>(0, min_items - 1);
      int64_t rest_max = max_items < 0 ? -1 : max_items - 1;
      body = item + (rest_max == 0 ? "" : " " + comma_item + repeat_suffix(rest_min, rest_max));
    }
    if (body.empty()) return "\"[\" " + ws + " \"]\"";
    std::string elems = add_rule("arr-elems", body);
    return "\"[\" " + ws + " " + elems + (min_items == 0 ? "?" : "") + " " + ws + " \"]\"";
  }

  const Json& root_;
  std::string rules_;
  std::set<std::string> names_{"root"};
  std::set<std::string> used_prims_;
  std::map<std::string, std::string> ref_rules_;
};

// Nesting depth of brackets outside strings; guards the JSON parser against deep recursion.
size_t json_nesting(std::string_view s) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

Result<std::string> json_schema_to_gbnf(std::string_view schema_json) {
  if (schema_json.size() > kGrammarMaxTextBytes) return Error{"[json_schema] schema text larger than 1 MiB"};
  if (json_nesting(schema_json) > 4 * kMaxSchemaDepth) return Error{"[json_schema] schema nested too deeply"};
  Json schema = Json::parse(schema_json, nullptr, false);
  if (schema.is_discarded()) return Error{"[json_schema] the schema is not valid JSON"};
  SchemaCompiler compiler(schema);
  return compiler.run();
}

std::string json_object_gbnf() {
  return "root ::= json-object\n"
         "ws ::= ( \" \" | \"\\n\" [ \\t]{0,40} )?\n"
         "json-hex ::= [0-9a-fA-F]\n"
         "json-char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" ( [0-9a-cA-CeEfF] json-hex | [dD] [0-7] ) json-hex json-hex )\n"
         "json-string ::= \"\\\"\" json-char* \"\\\"\"\n"
         "json-int-part ::= \"0\" | [1-9] [0-9]{0,15}\n"
         "json-number ::= \"-\"? json-int-part ( \".\" [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,2} )?\n"
         "json-member ::= json-string \":\" ws json-value\n"
         "json-object ::= \"{\" ws ( json-member ( \",\" ws json-member )* ws )? \"}\"\n"
         "json-array ::= \"[\" ws ( json-value ( \",\" ws json-value )* ws )? \"]\"\n"
         "json-value ::= json-object | json-array | json-string | json-number | \"true\" | \"false\" | \"null\"\n";
}

Result<std::shared_ptr<const Grammar>> Grammar::from_json_schema(std::string_view schema_json) {
  PRIMER_ASSIGN_OR_RETURN(std::string gbnf, json_schema_to_gbnf(schema_json));
  auto g = Grammar::parse(gbnf);
  if (!g.ok()) return g.error().wrap("[json_schema] compiling the schema's grammar");
  return g;
}

std::shared_ptr<const Grammar> Grammar::json_object() {
  auto g = Grammar::parse(json_object_gbnf());
  PRIMER_CHECK(g.ok());
  return std::move(g).value();
}

}  // namespace primer
