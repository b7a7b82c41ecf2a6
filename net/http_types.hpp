// One HTTP request and its response as plain values: what the server
// (http_server.hpp) hands a handler and sends back. No I/O here.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace p2pscope::net {

struct HttpAsk {
  std::string method, target;
  std::string if_none_match, if_modified_since;  // header values, "" when absent
};

struct HttpAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty for HEAD and 304
};

}  // namespace p2pscope::net
