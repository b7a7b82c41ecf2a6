// FlagSet<E>: a typed set of bit flags over a scoped enum whose enumerators
// are distinct powers of two. Replaces bool parameters and raw masks.
#pragma once

#include <type_traits>

namespace p2pscope {

template <class E>
class FlagSet {
 public:
  using Underlying = std::underlying_type_t<E>;

  constexpr FlagSet() noexcept = default;
  constexpr FlagSet(E e) noexcept : bits_(static_cast<Underlying>(e)) {}  // NOLINT: implicit by design
  static constexpr FlagSet from_bits(Underlying bits) noexcept {
    FlagSet f;
    f.bits_ = bits;
    return f;
  }

  constexpr bool has(E e) const noexcept { return (bits_ & static_cast<Underlying>(e)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr Underlying bits() const noexcept { return bits_; }
  constexpr FlagSet& set(E e, bool on = true) noexcept {
    if (on) bits_ |= static_cast<Underlying>(e);
    else bits_ &= static_cast<Underlying>(~static_cast<Underlying>(e));
    return *this;
  }
  constexpr FlagSet operator|(FlagSet o) const noexcept { return from_bits(bits_ | o.bits_); }
  constexpr bool operator==(const FlagSet&) const noexcept = default;

 private:
  Underlying bits_ = 0;
};

}  // namespace p2pscope
