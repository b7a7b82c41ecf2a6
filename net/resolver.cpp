#include "net/resolver.hpp"

#include <algorithm>

namespace p2pscope::net {

awaitable<Result<std::vector<IpAddress>>> SystemResolver::resolve(std::string host) {
  if (auto literal = IpAddress::parse(host)) co_return std::vector<IpAddress>{literal.value()};
  tcp::resolver resolver(ex_);
  error_code ec;
  auto results = co_await resolver.async_resolve(host, "", use_ec(ec));
  if (ec) co_return static_cast<std::error_code>(ec);  // keeps the resolver's own message
  std::vector<IpAddress> out;
  for (const auto& r : results) {
    auto a = from_asio(r.endpoint().address());
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  co_return out;
}

std::vector<IpAddress> of_family(const std::vector<IpAddress>& all, Family f) {
  std::vector<IpAddress> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [f](const IpAddress& a) { return a.family() == f; });
  return out;
}

}  // namespace p2pscope::net
