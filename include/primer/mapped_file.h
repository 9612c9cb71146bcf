// A read-only memory-mapped file. Move-only; unmaps on destruction. An empty file maps to
// data() == nullptr, size() == 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "primer/error.h"

namespace primer {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }
  // Tells the kernel the whole pages inside [offset, offset + len) are not needed now: they
  // leave this process's resident set and are read again from the file if touched. The data
  // stays valid (the mapping is private and read-only).
  void release_pages(size_t offset, size_t len) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole file into a string. Error names the path and the errno text.
Result<std::string> read_file(const std::string& path);

}  // namespace primer
