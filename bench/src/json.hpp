// json.hpp: the driver's JSON is nlohmann::json (Debian: nlohmann-json3-dev), in its ordered form,
// so that objects keep their members in insertion order and the report reads in the order it was
// built. Below: the few lookups the driver makes into JSON that a child process or
// hytm::stats_json() wrote, each tolerant of a missing member.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace hytm_bench {

using json = nlohmann::ordered_json;

// The member `key` of an object, or nullptr (also when j is not an object).
inline const json* member(const json& j, const std::string& key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

// The number at `key`, or `fallback` when absent or not a number.
inline double number_or(const json& j, const std::string& key, double fallback) {
    const json* v = member(j, key);
    return v != nullptr && v->is_number() ? v->get<double>() : fallback;
}

// The string at `key`, or "" when absent or not a string.
inline std::string string_or_empty(const json& j, const std::string& key) {
    const json* v = member(j, key);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// A number as the CSV and the plots' data files write it: integers in full, others to 6
// significant digits, "" for what is not finite.
inline std::string number_text(double d) {
    if (!std::isfinite(d)) return {};
    char buf[32];
    if (d == std::floor(d) && std::fabs(d) < 9.0e15) std::snprintf(buf, sizeof buf, "%.0f", d);
    else std::snprintf(buf, sizeof buf, "%.6g", d);
    return buf;
}

}  // namespace hytm_bench
