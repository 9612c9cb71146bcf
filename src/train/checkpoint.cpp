// Checkpoint files: see checkpoint.h for the format and the atomicity rules.
#include "train/checkpoint.h"

#include "core/hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace primer::train {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'P', 'R', 'M', 'C', 'K', 'P', 'T', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kBufferBytes = 1 << 20;

struct Fnv1a {
  uint64_t h = kFnv1aOffset;
  void add(const uint8_t* p, size_t n) { h = fnv1a(p, n, h); }
};

// Buffered writes to a file descriptor; the first error sticks (errno text) and later writes
// are skipped.
class FileWriter {
 public:
  explicit FileWriter(int fd) : fd_(fd) { buf_.reserve(kBufferBytes); }
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    hash_.add(b, n);
    while (n > 0) {
      const size_t take = std::min(n, kBufferBytes - buf_.size());
      buf_.insert(buf_.end(), b, b + take);
      b += take, n -= take;
      if (buf_.size() == kBufferBytes) flush();
    }
  }
  template <class T>
  void pod(T v) { bytes(&v, sizeof(v)); }
  void str(const std::string& s) {
    pod(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void floats(std::span<const float> f) { bytes(f.data(), f.size() * sizeof(float)); }
  void flush() {
    size_t off = 0;
    while (error_ == 0 && off < buf_.size()) {
      const ssize_t w = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) error_ = w < 0 ? errno : ENOSPC;
      else off += static_cast<size_t>(w);
    }
    buf_.clear();
  }
  uint64_t hash() const { return hash_.h; }
  int error() const { return error_; }

 private:
  int fd_;
  std::vector<uint8_t> buf_;
  Fnv1a hash_;
  int error_ = 0;
};

class Reader {
 public:
  explicit Reader(const std::string& data) : d_(data) {}
  bool bytes(void* out, size_t n) {
    if (n > d_.size() - pos_) return fail("truncated");
    std::memcpy(out, d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <class T>
  bool pod(T* v) { return bytes(v, sizeof(T)); }
  bool str(std::string* s) {
    uint32_t n = 0;
    if (!pod(&n) || n > d_.size() - pos_) return fail("truncated string");
    s->assign(d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool floats(std::vector<float>* v, uint64_t n) {
    if (n > (d_.size() - pos_) / sizeof(float)) return fail("truncated tensor data");
    v->resize(n);
    return bytes(v->data(), n * sizeof(float));
  }
  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return d_.size() - pos_; }
  const std::string& error() const { return error_; }

 private:
  const std::string& d_;
  size_t pos_ = 0;
  std::string error_;
};

std::string errno_text(int e) { return std::strerror(e); }

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return make_error("[checkpoint] opening folder %s: %s", dir.c_str(), std::strerror(errno));
  ::fsync(fd);  // best effort: some file systems refuse fsync on folders
  ::close(fd);
  return ok_status();
}

// Runs `fill` on a FileWriter over PATH.tmp, then fsync + rename + folder fsync.
template <class Fill>
Status write_atomic_with(const std::string& path, Fill&& fill) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return make_error("cannot create %s: %s", tmp.c_str(), std::strerror(errno));
  FileWriter w(fd);
  fill(w);
  w.flush();
  int err = w.error();
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return make_error("writing %s: %s", path.c_str(), errno_text(err).c_str());
  }
  return fsync_dir(fs::path(path).parent_path().string());
}

// step-N.ckpt -> N, or -1.
int64_t step_of(const std::string& name) {
  if (name.rfind("step-", 0) != 0 || name.size() <= 10 || name.substr(name.size() - 5) != ".ckpt") return -1;
  const std::string digits = name.substr(5, name.size() - 10);
  if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

void prune(const std::string& dir, int64_t keep_newest) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const int64_t s = step_of(e.path().filename().string());
    if (s >= 0) found.emplace_back(s, e.path());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = static_cast<size_t>(keep_newest); i < found.size(); ++i) fs::remove(found[i].second, ec);
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  return write_atomic_with(path, [&](FileWriter& w) { w.bytes(bytes.data(), bytes.size()); });
}

Result<std::string> write_checkpoint(const std::string& dir, const CheckpointView& c) {
  PRIMER_CHECK(c.params.size() == c.adam_m.size() && c.params.size() == c.adam_v.size());
  const std::string name = "step-" + std::to_string(c.step) + ".ckpt";
  const std::string path = (fs::path(dir) / name).string();
  Status s = write_atomic_with(path, [&](FileWriter& w) {
    w.bytes(kMagic, sizeof(kMagic));
    w.pod(kVersion);
    w.pod(uint32_t{0});
    w.pod(c.recipe_hash);
    const ModelShape& m = c.shape;
    w.str(m.arch);
    for (int64_t v : {m.n_vocab, m.n_embd, m.n_layer, m.n_head, m.n_head_kv, m.head_dim, m.n_ff, m.n_ctx}) w.pod(v);
    w.pod(static_cast<uint8_t>(m.tied_embeddings));
    w.pod(m.rope_theta);
    w.pod(m.rms_eps);
    w.pod(c.step);
    w.pod(c.tokens_seen);
    w.pod(c.seconds);
    w.pod(c.adam_t);
    w.str(c.tokenizer);
    w.str(c.model_name);
    w.pod(static_cast<uint64_t>(c.params.size()));
    w.floats(c.params);
    w.floats(c.adam_m);
    w.floats(c.adam_v);
    w.pod(static_cast<uint64_t>(c.history.size()));
    for (const LossRow& r : c.history) {
      w.pod(r.step);
      w.pod(r.lr);
      w.pod(r.train_loss);
      w.pod(r.val_loss);
      w.pod(r.tokens);
      w.pod(r.seconds);
    }
    w.pod(w.hash());
  });
  if (!s.ok()) {
    return Error{"[checkpoint] step " + std::to_string(c.step) + ": " + s.error().message +
                 " (the previous checkpoint stays the latest)"};
  }
  Status l = write_file_atomic((fs::path(dir) / "latest").string(), name + "\n");
  if (!l.ok()) {
    return Error{"[checkpoint] step " + std::to_string(c.step) + ": updating latest: " + l.error().message};
  }
  prune(dir, 2);
  return path;
}

Result<Checkpoint> read_checkpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("[checkpoint] cannot open %s: %s", path.c_str(), std::strerror(errno));
  const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return Error{"[checkpoint] " + path + ": " + why}; };
  if (data.size() < 16 + sizeof(uint64_t)) return bad("not a checkpoint (too short)");
  if (std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) return bad("not a checkpoint (bad magic)");
  Fnv1a h;
  h.add(reinterpret_cast<const uint8_t*>(data.data()), data.size() - sizeof(uint64_t));
  uint64_t stored = 0;
  std::memcpy(&stored, data.data() + data.size() - sizeof(uint64_t), sizeof(stored));

  Reader r(data);
  Checkpoint c;
  char magic[8];
  uint32_t version = 0, reserved = 0;
  r.bytes(magic, 8);
  r.pod(&version);
  r.pod(&reserved);
  if (version != kVersion) return bad("unsupported version " + std::to_string(version));
  if (stored != h.h) return bad("checksum mismatch (truncated or corrupted file)");
  ModelShape& m = c.shape;
  uint8_t tied = 0;
  uint64_t n_params = 0, n_rows = 0;
  bool ok = r.pod(&c.recipe_hash) && r.str(&m.arch);
  for (int64_t* v : {&m.n_vocab, &m.n_embd, &m.n_layer, &m.n_head, &m.n_head_kv, &m.head_dim, &m.n_ff, &m.n_ctx}) {
    ok = ok && r.pod(v);
  }
  ok = ok && r.pod(&tied) && r.pod(&m.rope_theta) && r.pod(&m.rms_eps) && r.pod(&c.step) && r.pod(&c.tokens_seen) &&
       r.pod(&c.seconds) && r.pod(&c.adam_t) && r.str(&c.tokenizer) && r.str(&c.model_name) && r.pod(&n_params) &&
       r.floats(&c.params, n_params) && r.floats(&c.adam_m, n_params) && r.floats(&c.adam_v, n_params) &&
       r.pod(&n_rows);
  m.tied_embeddings = tied != 0;
  constexpr size_t kRowBytes = 8 + 4 + 8 + 8 + 8 + 8;
  if (ok && n_rows > r.left() / kRowBytes) ok = r.fail("truncated loss history");
  for (uint64_t i = 0; ok && i < n_rows; ++i) {
    LossRow row;
    ok = r.pod(&row.step) && r.pod(&row.lr) && r.pod(&row.train_loss) && r.pod(&row.val_loss) && r.pod(&row.tokens) &&
         r.pod(&row.seconds);
    c.history.push_back(row);
  }
  if (!ok) return bad(r.error());
  if (r.left() != sizeof(uint64_t)) return bad("unexpected bytes after the loss history");
  return c;
}

Result<std::string> latest_checkpoint(const std::string& dir) {
  const fs::path p = fs::path(dir) / "latest";
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::string();
  std::ifstream f(p);
  std::string name;
  std::getline(f, name);
  if (step_of(name) < 0) return make_error("[checkpoint] %s: does not name a checkpoint ('%s')", p.c_str(), name.c_str());
  return (fs::path(dir) / name).string();
}

Status export_checkpoint(const std::string& checkpoint_path, const std::string& out_path, ExportOptions options) {
  PRIMER_ASSIGN_OR_RETURN(Checkpoint c, read_checkpoint(checkpoint_path));
  PRIMER_ASSIGN_OR_RETURN(TrainModel model, TrainModel::create(c.shape));
  if (model.n_params() != c.params.size()) {
    return make_error("[checkpoint] %s: %zu parameters, but its shape has %zu", checkpoint_path.c_str(),
                      c.params.size(), model.n_params());
  }
  std::copy(c.params.begin(), c.params.end(), model.params().begin());
  if (options.tokenizer.empty()) options.tokenizer = c.tokenizer;
  if (options.tokenizer.empty()) {
    return make_error("[checkpoint] %s records no tokenizer: pass one (--tokenizer)", checkpoint_path.c_str());
  }
  if (options.name.empty()) options.name = c.model_name;
  options.extra_strings.emplace_back("primer.train.steps", std::to_string(c.step));
  options.extra_strings.emplace_back("primer.train.tokens", std::to_string(c.tokens_seen));
  return export_gguf(model, out_path, options);
}

}  // namespace primer::train
