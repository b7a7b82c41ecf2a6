// Test-only: a resolver that answers from a fixed table, so tests can use
// names (with IPv4 and IPv6 addresses both) that no DNS server knows.
#pragma once

#include "net/resolver.hpp"

#include <map>

namespace p2pscope::testlib {

class TableResolver final : public net::Resolver {
 public:
  explicit TableResolver(std::map<std::string, std::vector<IpAddress>> table) : table_(std::move(table)) {}
  // The table's addresses for host; a literal names itself; any other name
  // is host_not_found (as getaddrinfo's EAI_NONAME).
  net::awaitable<Result<std::vector<IpAddress>>> resolve(std::string host) override {
    if (auto literal = IpAddress::parse(host)) co_return std::vector<IpAddress>{literal.value()};
    auto it = table_.find(host);
    if (it == table_.end()) co_return static_cast<std::error_code>(boost::system::error_code(boost::asio::error::host_not_found));
    co_return it->second;
  }

 private:
  std::map<std::string, std::vector<IpAddress>> table_;
};

}  // namespace p2pscope::testlib
