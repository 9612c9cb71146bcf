// FileType names and llama.cpp's per-tensor type mixture (see file_type.h).
#include "model/file_type.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>

namespace primer {

namespace {

struct FileTypeRow {
  FileType type;
  const char* name;
  QuantType default_type;
  uint32_t llama_ftype;  // enum llama_ftype
};

constexpr std::array kFileTypes = {
    FileTypeRow{FileType::kF32, "F32", QuantType::kF32, 0},
    FileTypeRow{FileType::kF16, "F16", QuantType::kF16, 1},
    FileTypeRow{FileType::kBF16, "BF16", QuantType::kBF16, 32},
    FileTypeRow{FileType::kQ8_0, "Q8_0", QuantType::kQ8_0, 7},
    FileTypeRow{FileType::kQ4_0, "Q4_0", QuantType::kQ4_0, 2},
    FileTypeRow{FileType::kQ4_1, "Q4_1", QuantType::kQ4_1, 3},
    FileTypeRow{FileType::kQ5_0, "Q5_0", QuantType::kQ5_0, 8},
    FileTypeRow{FileType::kQ5_1, "Q5_1", QuantType::kQ5_1, 9},
    FileTypeRow{FileType::kQ4_K_S, "Q4_K_S", QuantType::kQ4_K, 14},
    FileTypeRow{FileType::kQ4_K_M, "Q4_K_M", QuantType::kQ4_K, 15},
    FileTypeRow{FileType::kQ5_K_S, "Q5_K_S", QuantType::kQ5_K, 16},
    FileTypeRow{FileType::kQ5_K_M, "Q5_K_M", QuantType::kQ5_K, 17},
    FileTypeRow{FileType::kQ6_K, "Q6_K", QuantType::kQ6_K, 18},
};

const FileTypeRow& row_of(FileType type) {
  for (const FileTypeRow& row : kFileTypes) {
    if (row.type == type) return row;
  }
  PRIMER_CHECK(false);
  return kFileTypes[0];
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

Result<FileType> parse_file_type(std::string_view name) {
  for (const FileTypeRow& row : kFileTypes) {
    if (iequals(row.name, name)) return row.type;
  }
  std::string known;
  for (const FileTypeRow& row : kFileTypes) known += std::string(known.empty() ? "" : ", ") + row.name;
  return Error{"[quantize] unknown file type '" + std::string(name) + "' (known: " + known + ")"};
}

const char* file_type_name(FileType type) { return row_of(type).name; }

std::vector<std::string_view> file_type_names() {
  std::vector<std::string_view> out;
  for (const FileTypeRow& row : kFileTypes) out.push_back(row.name);
  return out;
}

namespace model {

namespace {

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third between.
bool use_more_bits(int64_t i_layer, int64_t n_layer) {
  return i_layer < n_layer / 8 || i_layer >= 7 * n_layer / 8 || (i_layer - n_layer / 8) % 3 == 2;
}

// il of "blk.{il}.…", or -1.
int64_t layer_of(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int64_t il = -1;
  auto [ptr, ec] = std::from_chars(name.data() + 4, name.data() + name.size(), il);
  if (ec != std::errc() || ptr == name.data() + name.size() || *ptr != '.') return -1;
  return il;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

QuantType default_tensor_type(FileType type) { return row_of(type).default_type; }

uint32_t llama_ftype_id(FileType type) { return row_of(type).llama_ftype; }

QuantType choose_tensor_type(FileType ftype, const TensorTypeQuery& t) {
  if (!t.matrix) return QuantType::kF32;
  QuantType type = default_tensor_type(ftype);
  const QuantTypeTraits* def = quant_type_traits(type);
  if (!def->is_quantized) return type;  // F32 / F16 / BF16: every matrix the same

  using FT = FileType;
  const bool output = t.name == "output.weight" || (!t.has_output && t.name == "token_embd.weight");
  const int64_t il = layer_of(t.name);
  if (output) {
    // Q6_K unless the file type is Q8_0 (or rows do not hold whole 256-blocks: Q8_0).
    if (t.n_cols % def->block_size != 0) type = QuantType::kQ8_0;
    else if (type != QuantType::kQ8_0) type = QuantType::kQ6_K;
  } else if (contains(t.name, "attn_v.weight")) {
    if ((ftype == FT::kQ4_K_M || ftype == FT::kQ5_K_M) && use_more_bits(il, t.n_layer)) type = QuantType::kQ6_K;
    else if (ftype == FT::kQ4_K_S && il < 4) type = QuantType::kQ5_K;
    // Llama 70B (80 layers): 8 query heads share each attn_v, worth more bits.
    if (t.arch == "llama" && t.n_layer == 80 && type == QuantType::kQ4_K) type = QuantType::kQ5_K;
  } else if (contains(t.name, "ffn_down")) {
    if ((ftype == FT::kQ4_K_M || ftype == FT::kQ5_K_M) && use_more_bits(il, t.n_layer)) type = QuantType::kQ6_K;
    else if (ftype == FT::kQ4_K_S && il < t.n_layer / 8) type = QuantType::kQ5_K;
  }

  // Rows that do not hold whole blocks fall back as llama.cpp does.
  if (t.n_cols % quant_type_traits(type)->block_size != 0) {
    switch (type) {
      case QuantType::kQ4_K: type = QuantType::kQ5_0; break;
      case QuantType::kQ5_K: type = QuantType::kQ5_1; break;
      case QuantType::kQ6_K: type = QuantType::kQ8_0; break;
      default: break;
    }
    if (t.n_cols % quant_type_traits(type)->block_size != 0) type = QuantType::kF16;
  }
  return type;
}

}  // namespace model

}  // namespace primer
