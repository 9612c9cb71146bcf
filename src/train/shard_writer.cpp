// Crash-safe shard writing: stream to DIR/x.tmp through a 1 MiB buffer, fsync, and only then
// rename over the final name (commit_files), so a crash or a full disk never leaves a truncated
// shard under the final name.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "train/shard_format.h"

namespace primer::train {
namespace {

// Buffered writer over a file descriptor; remembers the first errno.
class FileOut {
 public:
  explicit FileOut(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) err_ = errno;
    buf_.reserve(kBufBytes);
  }
  ~FileOut() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileOut(const FileOut&) = delete;
  FileOut& operator=(const FileOut&) = delete;

  bool ok() const { return err_ == 0; }
  int error() const { return err_; }

  void put(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (ok() && n > 0) {
      const size_t take = std::min(n, kBufBytes - buf_.size());
      buf_.insert(buf_.end(), p, p + take);
      p += take;
      n -= take;
      if (buf_.size() == kBufBytes) flush();
    }
  }
  // Flushes, fsyncs and closes; returns false on any error.
  bool finish() {
    flush();
    if (ok() && ::fsync(fd_) != 0) err_ = errno;
    if (fd_ >= 0 && ::close(fd_) != 0 && ok()) err_ = errno;
    fd_ = -1;
    return ok();
  }

 private:
  static constexpr size_t kBufBytes = 1u << 20;
  void flush() {
    size_t done = 0;
    while (ok() && done < buf_.size()) {
      const ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
      } else if (w == 0) {
        err_ = ENOSPC;
      } else {
        done += static_cast<size_t>(w);
      }
    }
    buf_.clear();
  }

  std::string path_;
  int fd_ = -1;
  int err_ = 0;
  std::vector<uint8_t> buf_;
};

Status fail(const std::string& tmp_path, const std::string& final_path, int err) {
  std::remove(tmp_path.c_str());
  return make_error("[data] error writing '%s': %s", final_path.c_str(), std::strerror(err));
}

}  // namespace

Status write_shard_tmp(const ShardSource& src, const std::string& tmp_path, const std::string& final_path) {
  const bool has_mask = !src.mask.empty();
  uint64_t n_tokens = 0;
  for (uint32_t d : src.order) n_tokens += src.doc_begin[d + 1] - src.doc_begin[d];

  ShardHeader h{};
  std::memcpy(h.magic, kShardMagic, sizeof(h.magic));
  h.version = kShardVersion;
  h.flags = has_mask ? kShardFlagMask : 0;
  h.n_tokens = n_tokens;
  h.n_docs = src.order.size();
  h.n_vocab = src.n_vocab;
  h.tokenizer_hash = src.tokenizer_hash;

  FileOut out(tmp_path);
  out.put(&h, sizeof(h));
  for (uint32_t d : src.order) {
    const uint64_t b = src.doc_begin[d], e = src.doc_begin[d + 1];
    out.put(src.tokens.data() + b, (e - b) * sizeof(uint32_t));
  }
  if (has_mask) {
    for (uint32_t d : src.order) {
      const uint64_t b = src.doc_begin[d], e = src.doc_begin[d + 1];
      out.put(src.mask.data() + b, e - b);
    }
  }
  uint64_t offset = 0;
  out.put(&offset, sizeof(offset));
  for (uint32_t d : src.order) {
    offset += src.doc_begin[d + 1] - src.doc_begin[d];
    out.put(&offset, sizeof(offset));
  }
  if (!out.finish()) return fail(tmp_path, final_path, out.error());
  return ok_status();
}

Status write_text_tmp(const std::string& text, const std::string& tmp_path, const std::string& final_path) {
  FileOut out(tmp_path);
  out.put(text.data(), text.size());
  if (!out.finish()) return fail(tmp_path, final_path, out.error());
  return ok_status();
}

Status commit_files(const std::string& dir, std::span<const std::pair<std::string, std::string>> tmp_to_final) {
  for (size_t i = 0; i < tmp_to_final.size(); ++i) {
    const auto& [tmp, final_path] = tmp_to_final[i];
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
      const int e = errno;
      for (size_t j = i; j < tmp_to_final.size(); ++j) std::remove(tmp_to_final[j].first.c_str());
      return make_error("[data] cannot rename '%s' to '%s': %s", tmp.c_str(), final_path.c_str(), std::strerror(e));
    }
  }
  // Make the renames durable.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return ok_status();
}

}  // namespace primer::train
