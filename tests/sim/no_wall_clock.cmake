# Nothing in a simulated run may read the wall clock, real randomness or other threads: the
# protocol cores (reference-impl, but for its net/ transport) and the simulator and checkers
# (harness/sim, harness/check) must not name them. Run with -DROOT=<source dir>.
set(forbidden "steady_clock|system_clock|high_resolution_clock|random_device|std::rand[^a-z_]|[^a-z_]rand\\(|srand|time\\(nullptr\\)|time\\(NULL\\)|gettimeofday|clock_gettime|getrandom|#include <chrono>|#include <random>|#include <thread>|#include <ctime>")
file(GLOB_RECURSE sources
  ${ROOT}/reference-impl/src/*.cpp ${ROOT}/reference-impl/src/*.hpp
  ${ROOT}/reference-impl/include/*.hpp
  ${ROOT}/harness/sim/*.cpp ${ROOT}/harness/sim/*.hpp
  ${ROOT}/harness/check/*.cpp ${ROOT}/harness/check/*.hpp)
list(LENGTH sources count)
if(count LESS 20)
  message(FATAL_ERROR "only ${count} sources found under ${ROOT}: wrong ROOT?")
endif()
set(found "")
foreach(f ${sources})
  file(STRINGS ${f} hits REGEX "${forbidden}")
  foreach(h ${hits})
    string(APPEND found "${f}: ${h}\n")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "wall clock or real randomness in deterministic code:\n${found}")
endif()
message(STATUS "${count} deterministic sources checked: no clock, no real randomness, no threads")
