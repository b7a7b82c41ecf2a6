#include "core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace p2pscope {
namespace {

namespace fs = std::filesystem;

std::error_code errno_code(int e) { return {e, std::generic_category()}; }

Error failed(const fs::path& path, std::string_view what, int err) {
  return fail(errno_code(err), path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

fs::path directory_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

fs::path temporary_beside(const fs::path& target) {
  std::random_device rd;
  return directory_of(target) /
         ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
}

Status write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_code(errno);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return success();
}

// A device, FIFO or socket: written in place, never replaced.
Status write_through(const fs::path& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return failed(path, "cannot open for writing", errno);
  auto st = write_all(fd, text);
  int close_err = ::close(fd) != 0 ? errno : 0;
  if (!st) return failed(path, "writing", st.error().code().value());
  if (close_err) return failed(path, "closing", close_err);
  return success();
}

// The temporary file takes the replaced file's mode (and, for root, owner):
// replacing a list must not widen or narrow who may read it.
void copy_ownership(int fd, const fs::path& target) {
  struct stat old {};
  if (::stat(target.c_str(), &old) != 0) return;
  (void)::fchmod(fd, old.st_mode & 07777);
  if (::geteuid() == 0) (void)::fchown(fd, old.st_uid, old.st_gid);
}

Status replace_regular(const fs::path& target, std::string_view text) {
  auto tmp = temporary_beside(target);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return failed(target, "cannot create a file in " + directory_of(target).string(), errno);
  copy_ownership(fd, target);
  auto undo = [&](std::string_view what, int err) {
    ::unlink(tmp.c_str());
    return failed(target, what, err);
  };
  if (auto st = write_all(fd, text); !st) {
    ::close(fd);
    return undo("writing", st.error().code().value());
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return undo("syncing", err);
  }
  if (::close(fd) != 0) return undo("closing", errno);
  if (::rename(tmp.c_str(), target.c_str()) != 0) return undo("renaming the new file into place", errno);
  // The rename is durable only once the directory is synced too.
  if (int dir = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return success();
}

}  // namespace

StatusOr<OutputTarget> resolve_output(const fs::path& path) {
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return OutputTarget{p, OutputKind::absent};
      return failed(path, "cannot inspect " + p.string(), errno);
    }
    if (!S_ISLNK(st.st_mode)) {
      auto kind = S_ISREG(st.st_mode)   ? OutputKind::regular
                  : S_ISDIR(st.st_mode) ? OutputKind::directory
                                        : OutputKind::special;
      return OutputTarget{p, kind};
    }
    std::error_code ec;
    auto target = fs::read_symlink(p, ec);
    if (ec) return failed(path, "cannot read the link " + p.string(), ec.value());
    p = target.is_absolute() ? target : directory_of(p) / target;
  }
  return failed(path, "following its links", ELOOP);
}

Status check_output_file(const fs::path& path) {
  P2PSCOPE_TRY(t, resolve_output(path));
  switch (t.kind) {
    case OutputKind::directory: return failed(path, "not a file", EISDIR);
    case OutputKind::special:
      if (::access(t.resolved.c_str(), W_OK) != 0) return failed(path, "not writable", errno);
      return success();
    case OutputKind::absent:
    case OutputKind::regular: break;
  }
  auto probe = temporary_beside(t.resolved);
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return failed(path, "cannot create a file in " + directory_of(t.resolved).string(), errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return success();
}

Status write_output_file(const fs::path& path, std::string_view text) {
  P2PSCOPE_TRY(t, resolve_output(path));
  switch (t.kind) {
    case OutputKind::directory: return failed(path, "not a file", EISDIR);
    case OutputKind::special: return write_through(t.resolved, text);
    case OutputKind::absent:
    case OutputKind::regular: break;
  }
  return replace_regular(t.resolved, text);
}

}  // namespace p2pscope
