// The lab's code names Asio and its helpers unqualified, as net/asio.hpp
// defines them.
#pragma once

#include "net/asio.hpp"

namespace p2pscope::lab {
using namespace p2pscope::net;  // NOLINT(google-build-using-namespace)
}  // namespace p2pscope::lab
