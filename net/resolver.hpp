// Name resolution behind a small interface, so the crawl can be tested with
// names no DNS server knows: the system's resolver (getaddrinfo on Asio's
// resolver thread), or a fixed table (tests/testlib/table_resolver.hpp).
//
// Threads: resolve() runs on the caller's executor; the resolver must
// outlive the coroutines awaiting it.
#pragma once

#include "net/asio.hpp"

#include <string>
#include <vector>

namespace p2pscope::net {

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Every address `host` names, in the order the resolver gives them,
  // without repeats; a literal names itself. An error (the reason in the
  // error_code's message) when the name does not resolve.
  virtual awaitable<Result<std::vector<IpAddress>>> resolve(std::string host) = 0;
};

class SystemResolver final : public Resolver {
 public:
  explicit SystemResolver(asio::any_io_executor ex) : ex_(std::move(ex)) {}
  awaitable<Result<std::vector<IpAddress>>> resolve(std::string host) override;

 private:
  asio::any_io_executor ex_;
};

// The addresses of one family among `all`, in order.
std::vector<IpAddress> of_family(const std::vector<IpAddress>& all, Family f);

}  // namespace p2pscope::net
