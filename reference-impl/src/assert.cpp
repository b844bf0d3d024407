// Reports a failed MQTT_ASSERT and aborts.
#include "mqtt/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace mqtt {

void assertion_failed(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expression);
  std::abort();
}

}  // namespace mqtt
