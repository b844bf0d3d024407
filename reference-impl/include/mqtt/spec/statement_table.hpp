// Every normative statement ID of MQTT 3.1.1 (OASIS Standard, 29 October 2014) and 5.0 (OASIS
// Standard, 7 March 2019, Appendix B), in section order: the one list the project has of them.
#pragma once

#include <cstddef>
#include <string_view>

namespace mqtt::spec::detail {

// Written from the standards' statement tables (id column), with 3.1.2-9 before 3.1.2-10.
inline constexpr std::string_view v311_statement_ids[] = {
    "MQTT-1.5.3-1", "MQTT-1.5.3-2", "MQTT-1.5.3-3", "MQTT-2.2.2-1", "MQTT-2.2.2-2", "MQTT-2.3.1-1",
    "MQTT-2.3.1-2", "MQTT-2.3.1-3", "MQTT-2.3.1-4", "MQTT-2.3.1-5", "MQTT-2.3.1-6", "MQTT-2.3.1-7",
    "MQTT-3.1.0-1", "MQTT-3.1.0-2", "MQTT-3.1.2-1", "MQTT-3.1.2-2", "MQTT-3.1.2-3", "MQTT-3.1.2-4",
    "MQTT-3.1.2-5", "MQTT-3.1.2-6", "MQTT-3.1.2-7", "MQTT-3.1.2-8", "MQTT-3.1.2-9", "MQTT-3.1.2-10",
    "MQTT-3.1.2-11", "MQTT-3.1.2-12", "MQTT-3.1.2-13", "MQTT-3.1.2-14", "MQTT-3.1.2-15",
    "MQTT-3.1.2-16", "MQTT-3.1.2-17", "MQTT-3.1.2-18", "MQTT-3.1.2-19", "MQTT-3.1.2-20",
    "MQTT-3.1.2-21", "MQTT-3.1.2-22", "MQTT-3.1.2-23", "MQTT-3.1.2-24", "MQTT-3.1.3-1",
    "MQTT-3.1.3-2", "MQTT-3.1.3-3", "MQTT-3.1.3-4", "MQTT-3.1.3-5", "MQTT-3.1.3-6", "MQTT-3.1.3-7",
    "MQTT-3.1.3-8", "MQTT-3.1.3-9", "MQTT-3.1.3-10", "MQTT-3.1.3-11", "MQTT-3.1.4-1",
    "MQTT-3.1.4-2", "MQTT-3.1.4-3", "MQTT-3.1.4-4", "MQTT-3.1.4-5", "MQTT-3.2.0-1", "MQTT-3.2.2-1",
    "MQTT-3.2.2-2", "MQTT-3.2.2-3", "MQTT-3.2.2-4", "MQTT-3.2.2-5", "MQTT-3.2.2-6", "MQTT-3.3.1-1",
    "MQTT-3.3.1-2", "MQTT-3.3.1-3", "MQTT-3.3.1-4", "MQTT-3.3.1-5", "MQTT-3.3.1-6", "MQTT-3.3.1-7",
    "MQTT-3.3.1-8", "MQTT-3.3.1-9", "MQTT-3.3.1-10", "MQTT-3.3.1-11", "MQTT-3.3.1-12",
    "MQTT-3.3.2-1", "MQTT-3.3.2-2", "MQTT-3.3.2-3", "MQTT-3.3.4-1", "MQTT-3.3.5-1", "MQTT-3.3.5-2",
    "MQTT-3.6.1-1", "MQTT-3.8.1-1", "MQTT-3.8.3-1", "MQTT-3.8.3-2", "MQTT-3.8.3-3", "MQTT-3.8.3-4",
    "MQTT-3.8.4-1", "MQTT-3.8.4-2", "MQTT-3.8.4-3", "MQTT-3.8.4-4", "MQTT-3.8.4-5", "MQTT-3.8.4-6",
    "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.10.1-1", "MQTT-3.10.3-1", "MQTT-3.10.3-2",
    "MQTT-3.10.4-1", "MQTT-3.10.4-2", "MQTT-3.10.4-3", "MQTT-3.10.4-4", "MQTT-3.10.4-5",
    "MQTT-3.10.4-6", "MQTT-3.12.4-1", "MQTT-3.14.1-1", "MQTT-3.14.4-1", "MQTT-3.14.4-2",
    "MQTT-3.14.4-3", "MQTT-4.1.0-1", "MQTT-4.1.0-2", "MQTT-4.3.1-1", "MQTT-4.3.2-1", "MQTT-4.3.2-2",
    "MQTT-4.3.3-1", "MQTT-4.3.3-2", "MQTT-4.4.0-1", "MQTT-4.5.0-1", "MQTT-4.5.0-2", "MQTT-4.6.0-1",
    "MQTT-4.6.0-2", "MQTT-4.6.0-3", "MQTT-4.6.0-4", "MQTT-4.6.0-5", "MQTT-4.6.0-6", "MQTT-4.7.1-1",
    "MQTT-4.7.1-2", "MQTT-4.7.1-3", "MQTT-4.7.2-1", "MQTT-4.7.3-1", "MQTT-4.7.3-2", "MQTT-4.7.3-3",
    "MQTT-4.7.3-4", "MQTT-4.8.0-1", "MQTT-4.8.0-2", "MQTT-6.0.0-1", "MQTT-6.0.0-2", "MQTT-6.0.0-3",
    "MQTT-6.0.0-4", "MQTT-7.0.0-1", "MQTT-7.0.0-2", "MQTT-7.1.1-1", "MQTT-7.1.2-1",
};

inline constexpr std::string_view v5_statement_ids[] = {
    "MQTT-1.5.4-1", "MQTT-1.5.4-2", "MQTT-1.5.4-3", "MQTT-1.5.5-1", "MQTT-1.5.7-1", "MQTT-2.1.3-1",
    "MQTT-2.2.1-2", "MQTT-2.2.1-3", "MQTT-2.2.1-4", "MQTT-2.2.1-5", "MQTT-2.2.1-6", "MQTT-2.2.2-1",
    "MQTT-3.1.0-1", "MQTT-3.1.0-2", "MQTT-3.1.2-1", "MQTT-3.1.2-2", "MQTT-3.1.2-3", "MQTT-3.1.2-4",
    "MQTT-3.1.2-5", "MQTT-3.1.2-6", "MQTT-3.1.2-7", "MQTT-3.1.2-8", "MQTT-3.1.2-9", "MQTT-3.1.2-10",
    "MQTT-3.1.2-11", "MQTT-3.1.2-12", "MQTT-3.1.2-13", "MQTT-3.1.2-14", "MQTT-3.1.2-15",
    "MQTT-3.1.2-16", "MQTT-3.1.2-17", "MQTT-3.1.2-18", "MQTT-3.1.2-19", "MQTT-3.1.2-20",
    "MQTT-3.1.2-21", "MQTT-3.1.2-22", "MQTT-3.1.2-23", "MQTT-3.1.2-24", "MQTT-3.1.2-25",
    "MQTT-3.1.2-26", "MQTT-3.1.2-27", "MQTT-3.1.2-28", "MQTT-3.1.2-29", "MQTT-3.1.2-30",
    "MQTT-3.1.3-1", "MQTT-3.1.3-2", "MQTT-3.1.3-3", "MQTT-3.1.3-4", "MQTT-3.1.3-5", "MQTT-3.1.3-6",
    "MQTT-3.1.3-7", "MQTT-3.1.3-8", "MQTT-3.1.3-9", "MQTT-3.1.3-10", "MQTT-3.1.3-11",
    "MQTT-3.1.3-12", "MQTT-3.1.4-1", "MQTT-3.1.4-2", "MQTT-3.1.4-3", "MQTT-3.1.4-4", "MQTT-3.1.4-5",
    "MQTT-3.1.4-6", "MQTT-3.2.0-1", "MQTT-3.2.0-2", "MQTT-3.2.2-1", "MQTT-3.2.2-2", "MQTT-3.2.2-3",
    "MQTT-3.2.2-4", "MQTT-3.2.2-5", "MQTT-3.2.2-6", "MQTT-3.2.2-7", "MQTT-3.2.2-8", "MQTT-3.2.2-9",
    "MQTT-3.2.2-10", "MQTT-3.2.2-11", "MQTT-3.2.2-12", "MQTT-3.2.2-13", "MQTT-3.2.2-14",
    "MQTT-3.2.2-15", "MQTT-3.2.2-16", "MQTT-3.2.2-17", "MQTT-3.2.2-18", "MQTT-3.2.2-19",
    "MQTT-3.2.2-20", "MQTT-3.2.2-21", "MQTT-3.2.2-22", "MQTT-3.3.1-1", "MQTT-3.3.1-2",
    "MQTT-3.3.1-3", "MQTT-3.3.1-4", "MQTT-3.3.1-5", "MQTT-3.3.1-6", "MQTT-3.3.1-7", "MQTT-3.3.1-8",
    "MQTT-3.3.1-9", "MQTT-3.3.1-10", "MQTT-3.3.1-11", "MQTT-3.3.1-12", "MQTT-3.3.1-13",
    "MQTT-3.3.2-1", "MQTT-3.3.2-2", "MQTT-3.3.2-3", "MQTT-3.3.2-4", "MQTT-3.3.2-5", "MQTT-3.3.2-6",
    "MQTT-3.3.2-7", "MQTT-3.3.2-8", "MQTT-3.3.2-9", "MQTT-3.3.2-10", "MQTT-3.3.2-11",
    "MQTT-3.3.2-12", "MQTT-3.3.2-13", "MQTT-3.3.2-14", "MQTT-3.3.2-15", "MQTT-3.3.2-16",
    "MQTT-3.3.2-17", "MQTT-3.3.2-18", "MQTT-3.3.2-19", "MQTT-3.3.2-20", "MQTT-3.3.4-1",
    "MQTT-3.3.4-2", "MQTT-3.3.4-3", "MQTT-3.3.4-4", "MQTT-3.3.4-5", "MQTT-3.3.4-6", "MQTT-3.3.4-7",
    "MQTT-3.3.4-8", "MQTT-3.3.4-9", "MQTT-3.3.4-10", "MQTT-3.4.2-1", "MQTT-3.4.2-2", "MQTT-3.4.2-3",
    "MQTT-3.5.2-1", "MQTT-3.5.2-2", "MQTT-3.5.2-3", "MQTT-3.6.1-1", "MQTT-3.6.2-1", "MQTT-3.6.2-2",
    "MQTT-3.6.2-3", "MQTT-3.7.2-1", "MQTT-3.7.2-2", "MQTT-3.7.2-3", "MQTT-3.8.1-1", "MQTT-3.8.3-1",
    "MQTT-3.8.3-2", "MQTT-3.8.3-3", "MQTT-3.8.3-4", "MQTT-3.8.3-5", "MQTT-3.8.4-1", "MQTT-3.8.4-2",
    "MQTT-3.8.4-3", "MQTT-3.8.4-4", "MQTT-3.8.4-5", "MQTT-3.8.4-6", "MQTT-3.8.4-7", "MQTT-3.8.4-8",
    "MQTT-3.9.2-1", "MQTT-3.9.2-2", "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.10.1-1",
    "MQTT-3.10.3-1", "MQTT-3.10.3-2", "MQTT-3.10.4-1", "MQTT-3.10.4-2", "MQTT-3.10.4-3",
    "MQTT-3.10.4-4", "MQTT-3.10.4-5", "MQTT-3.10.4-6", "MQTT-3.11.2-1", "MQTT-3.11.2-2",
    "MQTT-3.11.3-1", "MQTT-3.11.3-2", "MQTT-3.12.4-1", "MQTT-3.14.0-1", "MQTT-3.14.1-1",
    "MQTT-3.14.2-1", "MQTT-3.14.2-2", "MQTT-3.14.2-3", "MQTT-3.14.2-4", "MQTT-3.14.4-1",
    "MQTT-3.14.4-2", "MQTT-3.14.4-3", "MQTT-3.15.1-1", "MQTT-3.15.2-1", "MQTT-3.15.2-2",
    "MQTT-3.15.2-3", "MQTT-4.1.0-1", "MQTT-4.1.0-2", "MQTT-4.2-1", "MQTT-4.3.1-1", "MQTT-4.3.2-1",
    "MQTT-4.3.2-2", "MQTT-4.3.2-3", "MQTT-4.3.2-4", "MQTT-4.3.2-5", "MQTT-4.3.3-1", "MQTT-4.3.3-2",
    "MQTT-4.3.3-3", "MQTT-4.3.3-4", "MQTT-4.3.3-5", "MQTT-4.3.3-6", "MQTT-4.3.3-7", "MQTT-4.3.3-8",
    "MQTT-4.3.3-9", "MQTT-4.3.3-10", "MQTT-4.3.3-11", "MQTT-4.3.3-12", "MQTT-4.3.3-13",
    "MQTT-4.4.0-1", "MQTT-4.4.0-2", "MQTT-4.5.0-1", "MQTT-4.5.0-2", "MQTT-4.6.0-1", "MQTT-4.6.0-2",
    "MQTT-4.6.0-3", "MQTT-4.6.0-4", "MQTT-4.6.0-5", "MQTT-4.6.0-6", "MQTT-4.7.0-1", "MQTT-4.7.1-1",
    "MQTT-4.7.1-2", "MQTT-4.7.2-1", "MQTT-4.7.3-1", "MQTT-4.7.3-2", "MQTT-4.7.3-3", "MQTT-4.7.3-4",
    "MQTT-4.8.2-1", "MQTT-4.8.2-2", "MQTT-4.8.2-3", "MQTT-4.8.2-4", "MQTT-4.8.2-5", "MQTT-4.8.2-6",
    "MQTT-4.9.0-1", "MQTT-4.9.0-2", "MQTT-4.9.0-3", "MQTT-4.12.0-1", "MQTT-4.12.0-2",
    "MQTT-4.12.0-3", "MQTT-4.12.0-4", "MQTT-4.12.0-5", "MQTT-4.12.0-6", "MQTT-4.12.0-7",
    "MQTT-4.12.1-1", "MQTT-4.12.1-2", "MQTT-4.13.1-1", "MQTT-4.13.2-1", "MQTT-6.0.0-1",
    "MQTT-6.0.0-2", "MQTT-6.0.0-3", "MQTT-6.0.0-4",
};

inline constexpr std::size_t v311_statement_count = 141;
inline constexpr std::size_t v5_statement_count = 251;
static_assert(std::size(v311_statement_ids) == v311_statement_count);
static_assert(std::size(v5_statement_ids) == v5_statement_count);

}  // namespace mqtt::spec::detail
