// Loader and comparison helpers for the trainer's PyTorch goldens (see train_golden_io.h).
#include "train_golden_io.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace primer::train::testing {

bool TrainGolden::load(const std::string& name, TrainGolden* out, std::string* error) {
  const std::string base = std::string(PRIMER_GOLDEN_DIR) + "/train/" + name;
  std::ifstream js(base + ".json");
  if (!js) {
    *error = "cannot open " + base + ".json";
    return false;
  }
  out->index = nlohmann::json::parse(js, nullptr, /*allow_exceptions=*/false);
  if (out->index.is_discarded() || !out->index.contains("arrays")) {
    *error = base + ".json is not a train golden";
    return false;
  }
  std::ifstream bin(base + ".bin", std::ios::binary | std::ios::ate);
  const std::streamoff n_bytes = bin ? static_cast<std::streamoff>(bin.tellg()) : -1;
  if (n_bytes < 0 || n_bytes % static_cast<std::streamoff>(sizeof(float)) != 0) {
    *error = "cannot read " + base + ".bin (or its size is not a multiple of 4)";
    return false;
  }
  out->data.resize(static_cast<size_t>(n_bytes) / sizeof(float));
  bin.seekg(0);
  // float32 little-endian, read as is: x86-64 hosts only.
  if (!bin.read(reinterpret_cast<char*>(out->data.data()), n_bytes)) {
    *error = "cannot read " + base + ".bin";
    return false;
  }
  for (const auto& [key, a] : out->index["arrays"].items()) {
    if (a["offset"].get<size_t>() + a["count"].get<size_t>() > out->data.size()) {
      *error = base + ".bin is too short for array " + key;
      return false;
    }
  }
  return true;
}

bool TrainGolden::has(const std::string& key) const { return index["arrays"].contains(key); }

std::span<const float> TrainGolden::array(const std::string& key) const {
  if (!has(key)) return {};
  const auto& a = index["arrays"][key];
  return {data.data() + a["offset"].get<size_t>(), a["count"].get<size_t>()};
}

ModelShape TrainGolden::shape() const {
  const auto& s = index["shape"];
  ModelShape m;
  m.arch = s["arch"].get<std::string>();
  m.n_vocab = s["n_vocab"];
  m.n_embd = s["n_embd"];
  m.n_layer = s["n_layer"];
  m.n_head = s["n_head"];
  m.n_head_kv = s["n_head_kv"];
  m.head_dim = s["head_dim"];
  m.n_ff = s["n_ff"];
  m.n_ctx = s["n_ctx"];
  m.tied_embeddings = s["tied_embeddings"];
  m.rope_theta = s["rope_theta"].get<float>();
  m.rms_eps = s["rms_eps"].get<float>();
  return m;
}

std::vector<int32_t> TrainGolden::ids(const nlohmann::json& list) {
  std::vector<int32_t> v;
  for (const auto& x : list) v.push_back(x.get<int32_t>());
  return v;
}

Mismatch compare_arrays(const std::string& what, std::span<const float> got, std::span<const float> ref,
                        double rtol, double atol_scale) {
  Mismatch m;
  if (got.size() != ref.size()) {
    m.ok = false;
    m.message = what + ": " + std::to_string(got.size()) + " values, golden has " + std::to_string(ref.size());
    return m;
  }
  double max_ref = 0;
  for (float r : ref) max_ref = std::max(max_ref, std::fabs(static_cast<double>(r)));
  const double atol = atol_scale * max_ref + 1e-12;
  size_t n_bad = 0, worst = 0;
  double worst_excess = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double g = got[i], r = ref[i];
    const double tol = rtol * std::fabs(r) + atol;
    const double err = std::fabs(g - r);
    if (!(err <= tol)) {  // NaN fails too
      ++n_bad;
      const double excess = std::isfinite(err) ? err / tol : 1e300;
      if (excess > worst_excess) worst_excess = excess, worst = i;
    }
  }
  if (n_bad > 0) {
    std::ostringstream os;
    os.precision(9);
    os << what << ": " << n_bad << " of " << ref.size() << " values off; worst [" << worst << "] got "
       << got[worst] << ", golden " << ref[worst] << " (tolerance " << rtol << " rel + " << atol << " abs)";
    m.ok = false;
    m.message = os.str();
  }
  return m;
}

bool close(double got, double ref, double rtol) { return std::fabs(got - ref) <= rtol * std::fabs(ref); }

}  // namespace primer::train::testing
