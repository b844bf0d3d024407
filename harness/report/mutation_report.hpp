// Reports of a mutation run (run/mutation.hpp): JSON for scripts and CI, and a short
// self-contained HTML page with the score and, per planted bug, the cases that caught it.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "run/mutation.hpp"

namespace harness::report {

boost::json::object mutation_json(const run::mutation_result& m);
std::string mutation_html(const run::mutation_result& m);
// "mutation score 49/49 (100%) ..." : the one line the command prints.
std::string mutation_summary(const run::mutation_result& m);

}  // namespace harness::report
