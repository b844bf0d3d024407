// PINGREQ and PINGRESP (sections 3.12, 3.13): a fixed header and nothing else.
#pragma once

namespace mqtt::codec {

struct pingreq {
  friend bool operator==(const pingreq&, const pingreq&) = default;
};
struct pingresp {
  friend bool operator==(const pingresp&, const pingresp&) = default;
};

}  // namespace mqtt::codec
