#include "probes/emule_plan.hpp"

#include <gtest/gtest.h>

namespace p2pscope::probes {
namespace {

using ed2k::Md4;

Md4 md4_filled(std::uint8_t b) {
  Md4 h;
  h.bytes.fill(b);
  return h;
}

const Md4 kFile = md4_filled(0x11), kOther = md4_filled(0x22);

Endpoint ep(const char* ip, std::uint16_t port) { return {IpAddress::parse(ip).value(), port}; }

// An SX v2 entry (ED2K form) naming `peer`, handed out by `source`.
EmuleObservation sx_entry(const Endpoint& peer, const Md4& file = kFile, std::optional<std::uint8_t> crypt = {}) {
  EmuleObservation o;
  o.file = file;
  o.via = Via::sx;
  o.source = ep("198.51.100.9", 4662);
  o.raw_id = ed2k::ed2k_id(peer.address);
  o.id_form = ed2k::IdForm::ed2k;
  o.peer_port = peer.port;
  o.sx_version = 2;
  o.crypt = crypt;
  return o;
}

EmuleSeen hello_answered(FakeFileAnswer fake_answer, std::optional<Md4> fake) {
  EmuleSeen s;
  s.contact.connect = s.contact.hello = ProbeOutcome::positive;
  s.contact.theirs = ed2k::Hello{};
  s.contact.fake = fake_answer;
  s.fake = fake;
  return s;
}

TEST(EmulePlan, EveryPeerAndItsReverseAreContactedOnceAndLowIdsNever) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662)), sx_entry(ep("1.2.3.4", 4662), kOther),
                                     sx_entry(ep("4.3.2.1", 4662))};
  auto low = sx_entry(ep("1.2.3.4", 4662));
  low.raw_id = 77;
  seen.push_back(low);
  auto plan = plan_emule_probes(seen);
  EXPECT_EQ(plan.low_ids, 1u);
  ASSERT_EQ(plan.contacts.size(), 2u);  // each is the other's reverse: two addresses in all
  for (const auto& c : plan.contacts) {
    EXPECT_TRUE(c.forward);
    EXPECT_TRUE(c.ask_fake);
    EXPECT_EQ(c.file, kFile);
  }
  ASSERT_EQ(plan.reverses.size(), 2u);
  EXPECT_EQ(plan.reverses[0].reversed, ep("4.3.2.1", 4662));
}

TEST(EmulePlan, AReverseNobodyHandedOutIsContactedForTheHelloOnly) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662))};
  auto plan = plan_emule_probes(seen);
  ASSERT_EQ(plan.contacts.size(), 2u);
  EXPECT_EQ(plan.contacts[1].at, ep("4.3.2.1", 4662));
  EXPECT_FALSE(plan.contacts[1].forward);
  EXPECT_FALSE(plan.contacts[1].ask_fake);
}

TEST(EmulePlan, FlagsTurnTheFakeAndReverseProbesOff) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662))};
  auto plan = plan_emule_probes(seen, EmulePlanFlags(EmulePlanFlag::no_fake) | EmulePlanFlag::no_reverse);
  ASSERT_EQ(plan.contacts.size(), 1u);
  EXPECT_FALSE(plan.contacts[0].ask_fake);
  EXPECT_TRUE(plan.reverses.empty());
}

TEST(EmulePlan, ASourceThatSaysCryptIsRequiredMarksThePeer) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662)), sx_entry(ep("1.2.3.4", 4662), kOther, 0x07)};
  auto plan = plan_emule_probes(seen, EmulePlanFlag::no_reverse);
  ASSERT_EQ(plan.contacts.size(), 1u);
  EXPECT_EQ(plan.contacts[0].crypt, CryptRequired::yes);
}

TEST(EmulePlan, ResultsCarryTheFakeHashAndTheReverseUnderTheHandedOutPeer) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662))};
  auto plan = plan_emule_probes(seen);
  std::map<Endpoint, EmuleSeen> saw;
  saw[ep("1.2.3.4", 4662)] = hello_answered(FakeFileAnswer::claimed, md4_filled(0x46));
  EmuleSeen dead;
  dead.contact.connect = ProbeOutcome::negative;
  dead.contact.why = "connect: refused";
  saw[ep("4.3.2.1", 4662)] = dead;
  auto results = emule_probe_results(plan, saw);
  std::map<ProbeKind, ProbeResult> by_kind;
  for (const auto& r : results) by_kind[r.probe] = r;
  ASSERT_EQ(results.size(), 4u);  // tcp, hello, fake, reverse
  EXPECT_EQ(by_kind[ProbeKind::fake_file].outcome, ProbeOutcome::positive);
  EXPECT_EQ(by_kind[ProbeKind::fake_file].evidence.at("fake_file_hash"), md4_filled(0x46).hex());
  EXPECT_EQ(by_kind[ProbeKind::reverse_byte_order].peer, ep("1.2.3.4", 4662));
  EXPECT_EQ(by_kind[ProbeKind::reverse_byte_order].outcome, ProbeOutcome::negative);
  EXPECT_EQ(by_kind[ProbeKind::reverse_byte_order].file_hash, kFile);
}

TEST(EmulePlan, NoFakeResultWithoutAHelloAnswer) {
  std::vector<EmuleObservation> seen{sx_entry(ep("1.2.3.4", 4662))};
  auto plan = plan_emule_probes(seen, EmulePlanFlag::no_reverse);
  EmuleSeen silent;
  silent.contact.connect = ProbeOutcome::positive;
  silent.contact.hello = ProbeOutcome::timeout;
  silent.fake = md4_filled(0x46);
  auto results = emule_probe_results(plan, {{ep("1.2.3.4", 4662), silent}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].probe, ProbeKind::ed2k_hello);
  EXPECT_EQ(results[1].outcome, ProbeOutcome::timeout);
}

}  // namespace
}  // namespace p2pscope::probes
