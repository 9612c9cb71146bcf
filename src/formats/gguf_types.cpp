// Names of GGUF metadata value types and the ggml tensor type table (block geometry).
#include <array>
#include <cstddef>

#include "primer/gguf.h"

namespace primer {

const char* gguf_value_type_name(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: return "u8";
    case GgufValueType::kInt8: return "i8";
    case GgufValueType::kUint16: return "u16";
    case GgufValueType::kInt16: return "i16";
    case GgufValueType::kUint32: return "u32";
    case GgufValueType::kInt32: return "i32";
    case GgufValueType::kFloat32: return "f32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kUint64: return "u64";
    case GgufValueType::kInt64: return "i64";
    case GgufValueType::kFloat64: return "f64";
  }
  return "unknown";
}

namespace {

// One row per ggml type number; name == nullptr marks numbers ggml has retired (4, 5, 31-33,
// 36-38) or never assigned. Sizes follow ggml's block structs (QK_K = 256):
//   Q4_0 {f16 d; u8 qs[16]} = 18 B / 32    Q8_0 {f16 d; i8 qs[32]} = 34 B / 32
//   Q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]} = 144 B / 256, etc.
constexpr std::array<GgmlTypeInfo, 40> kTypes = {{
    {"f32", 1, 4},        // 0
    {"f16", 1, 2},        // 1
    {"q4_0", 32, 18},     // 2
    {"q4_1", 32, 20},     // 3
    {nullptr, 0, 0},      // 4  (q4_2, removed)
    {nullptr, 0, 0},      // 5  (q4_3, removed)
    {"q5_0", 32, 22},     // 6
    {"q5_1", 32, 24},     // 7
    {"q8_0", 32, 34},     // 8
    {"q8_1", 32, 36},     // 9
    {"q2_K", 256, 84},    // 10
    {"q3_K", 256, 110},   // 11
    {"q4_K", 256, 144},   // 12
    {"q5_K", 256, 176},   // 13
    {"q6_K", 256, 210},   // 14
    {"q8_K", 256, 292},   // 15
    {"iq2_xxs", 256, 66}, // 16
    {"iq2_xs", 256, 74},  // 17
    {"iq3_xxs", 256, 98}, // 18
    {"iq1_s", 256, 50},   // 19
    {"iq4_nl", 32, 18},   // 20
    {"iq3_s", 256, 110},  // 21
    {"iq2_s", 256, 82},   // 22
    {"iq4_xs", 256, 136}, // 23
    {"i8", 1, 1},         // 24
    {"i16", 1, 2},        // 25
    {"i32", 1, 4},        // 26
    {"i64", 1, 8},        // 27
    {"f64", 1, 8},        // 28
    {"iq1_m", 256, 56},   // 29
    {"bf16", 1, 2},       // 30
    {nullptr, 0, 0},      // 31 (q4_0_4_4, removed)
    {nullptr, 0, 0},      // 32 (q4_0_4_8, removed)
    {nullptr, 0, 0},      // 33 (q4_0_8_8, removed)
    {"tq1_0", 256, 54},   // 34
    {"tq2_0", 256, 66},   // 35
    {nullptr, 0, 0},      // 36 (iq4_nl_4_4, removed)
    {nullptr, 0, 0},      // 37 (iq4_nl_4_8, removed)
    {nullptr, 0, 0},      // 38 (iq4_nl_8_8, removed)
    {"mxfp4", 32, 17},    // 39
}};

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t type) {
  if (type >= kTypes.size() || kTypes[type].name == nullptr) return nullptr;
  return &kTypes[type];
}

}  // namespace primer
