#include "core/krpc.hpp"
#include "core/names.hpp"
#include "core/records.hpp"
#include "core/special_ranges.hpp"
#include "core/udp_tracker.hpp"
#include "core/utp.hpp"

#include <gtest/gtest.h>

namespace p2pscope {
namespace {

// Every enumerator of core's written enums has one name, none twice.
static_assert(names_complete<Via>(9));
static_assert(names_complete<Network>(2));
static_assert(names_complete<ed2k::IdForm>(2));
static_assert(names_complete<ed2k::Protocol>(5));
static_assert(names_complete<ProbeKind>(12));
static_assert(names_complete<Carrier>(2));
static_assert(names_complete<ProbeOutcome>(4));
static_assert(names_complete<VerdictKind>(9));
static_assert(names_complete<AnomalyKind>(10));
static_assert(names_complete<KrpcMethod>(6));
static_assert(names_complete<AnnounceEvent>(4));
static_assert(names_complete<UtpType>(5));

template <class E>
void round_trips() {
  for (const auto& [e, name] : enum_names(E{})) {
    EXPECT_EQ(name_of(e), name);
    auto back = from_name<E>(name);
    ASSERT_TRUE(back) << name;
    EXPECT_EQ(back.value(), e) << name;
  }
}

TEST(Names, EveryNameReadsBackToItsEnumerator) {
  round_trips<Via>();
  round_trips<ProbeKind>();
  round_trips<VerdictKind>();
  round_trips<AnomalyKind>();
  round_trips<KrpcMethod>();
  round_trips<AnnounceEvent>();
  round_trips<RangeKind>();
}

TEST(Names, UnknownTextAndValuesAreSaidSo) {
  EXPECT_EQ(from_name<Via>("carrier_pigeon").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(from_name<Via>("").error(), make_error_code(errc::bad_value));
  EXPECT_EQ(name_of(static_cast<Via>(200)), "unknown");
  EXPECT_EQ(name_of(static_cast<AnnounceEvent>(9), "none"), "none");
  // The written forms users and records rely on.
  EXPECT_EQ(to_string(AnnounceEvent::stopped), "stopped");
  EXPECT_EQ(to_string(Via::tracker_udp), "tracker_udp");
  EXPECT_EQ(to_string(KrpcMethod::sample_infohashes), "sample_infohashes");
}

}  // namespace
}  // namespace p2pscope
