// A container made on first insertion. An idle session's empty maps and sets cost their full
// object size each (48 to 56 bytes); held as lazy<T> they cost one pointer until a QoS 1 or 2
// flow first puts something in them. Reads of a container not yet made see a shared empty one,
// so find() and end() agree; once made it is kept (erasing never frees it), so iterators stay
// valid as they would in T.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace mqtt::broker {

// What `p` holds, made now if it holds nothing: the one way state made on first use is made
// (lazy<T> below, a connection's topic-alias maps and enhanced-auth state).
template <class T>
T& made_on_first_use(std::unique_ptr<T>& p) {
  if (!p) p = std::make_unique<T>();
  return *p;
}

template <class T>
class lazy {
 public:
  using iterator = typename T::iterator;
  using const_iterator = typename T::const_iterator;

  bool empty() const { return !p_ || p_->empty(); }
  std::size_t size() const { return p_ ? p_->size() : 0; }
  template <class K>
  bool contains(const K& k) const { return p_ && p_->contains(k); }
  template <class K>
  iterator find(const K& k) { return view().find(k); }
  template <class K>
  const_iterator find(const K& k) const { return view().find(k); }
  template <class K>
  decltype(auto) at(const K& k) { return view().at(k); }
  iterator begin() { return view().begin(); }
  iterator end() { return view().end(); }
  const_iterator begin() const { return view().begin(); }
  const_iterator end() const { return view().end(); }

  template <class... A>
  decltype(auto) emplace(A&&... a) { return made().emplace(std::forward<A>(a)...); }
  template <class... A>
  decltype(auto) insert(A&&... a) { return made().insert(std::forward<A>(a)...); }
  // By key: nothing to erase in a container not yet made.
  template <class K>
    requires(!std::is_convertible_v<const K&, const_iterator>)
  std::size_t erase(const K& k) {
    return p_ ? p_->erase(k) : 0;
  }
  // By iterator: only an iterator of the made container can point at an element.
  template <class It>
    requires std::is_convertible_v<const It&, const_iterator>
  auto erase(It it) {
    return p_->erase(it);
  }

 private:
  // The shared empty container: never inserted into (insertion goes through made()).
  static T& none() {
    static T empty_one;
    return empty_one;
  }
  T& view() const { return p_ ? *p_ : none(); }
  T& made() { return made_on_first_use(p_); }
  std::unique_ptr<T> p_;
};

}  // namespace mqtt::broker
