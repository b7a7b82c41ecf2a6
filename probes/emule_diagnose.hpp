// The eMule half of the diagnosis (issue 25): a verdict for every (file,
// peer) an eMule route handed out by an address, from the eMule probes
// (probes/emule_probe.hpp), the routing data and the known lists; the
// study's Fig. 4 tree per route; and per source the shares with their
// bounds, what it looks like, and the SX version and ID form of every
// reversed entry it handed out.
//
// Per peer, the most decisive evidence wins, in this order:
//   1. it claimed a random file hash (fake-hash probe)            -> anti_p2p
//   2. it answered an eMule hello                                 -> normal
//   3. the other byte order of its ID answers an eMule hello      -> byte_order
//   4. unroutable                                                 -> bogus_unroutable
//   5. in a known anti-P2P list, or in a server-farm /24 that holds
//      a peer that claimed a random file hash                     -> anti_p2p
//   6. a source said it takes only obfuscated connections and the
//      plaintext hello was refused                                -> unknown
//   7. TCP open without a hello, or no connection                 -> unreachable
//   8. never probed                                               -> unknown
//
// Declared in diagnose.hpp (diagnose_emule); this header names the pieces
// its tests reach. Pure and single-threaded.
#pragma once

#include "probes/diagnose.hpp"

namespace p2pscope::probes {

// The class of a peer or of its reverse in the Fig. 4 tree.
EmuleClass emule_class(bool routable, std::optional<ProbeOutcome> hello);

}  // namespace p2pscope::probes
