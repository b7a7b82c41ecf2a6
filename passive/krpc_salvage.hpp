// What a KRPC message that decode_krpc refused still says, for the passive
// records of malformed DHT traffic: a nodes string whose length is not a
// multiple of 26, a query without a transaction id, an id of 19 bytes.
//
// salvage_krpc() reads the bytes as one bencoded dictionary (within the
// KRPC limits; bytes after it are allowed and named) whose "y" is q, r or
// e, takes every field it can, and names the first rule the message broke
// in `defect`. Of a compact list with a torn last entry, the whole entries
// are kept. nullopt when the bytes are no such dictionary: then they are not
// KRPC at all. Pure.
#pragma once

#include "core/krpc.hpp"
#include "passive/events.hpp"

#include <optional>
#include <string_view>

namespace p2pscope::passive {

// `refused`: the error decode_krpc gave, named as the defect when no rule
// the salvage checks explains it.
std::optional<KrpcEvent> salvage_krpc(const Hop& hop, std::string_view bytes, std::error_code refused,
                                      const KrpcLimits& limits = {});

}  // namespace p2pscope::passive
