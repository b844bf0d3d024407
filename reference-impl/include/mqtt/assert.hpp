// Assertions on our own invariants. They stay on in release builds: a broken invariant must
// stop the program where it broke, not corrupt a simulation run silently.
#pragma once

namespace mqtt {

[[noreturn]] void assertion_failed(const char* expression, const char* file, int line);

}  // namespace mqtt

#define MQTT_ASSERT(expression) \
  ((expression) ? static_cast<void>(0) : ::mqtt::assertion_failed(#expression, __FILE__, __LINE__))
