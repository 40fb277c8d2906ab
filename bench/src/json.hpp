// json.hpp: the little JSON the driver needs: parse what a child process or hytm::stats_json()
// wrote, look into it, and write the report. Objects keep their keys in insertion order so the
// report reads in the order it was built. Numbers are doubles (exact for counts below 2^53).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hytm_bench::json {

class value;
using array = std::vector<value>;
using object = std::vector<std::pair<std::string, value>>;

class value {
  public:
    value() = default;  // null
    value(std::nullptr_t) {}
    value(bool b) : v_(b) {}
    value(double d) : v_(d) {}
    value(int i) : v_(static_cast<double>(i)) {}
    value(long i) : v_(static_cast<double>(i)) {}
    value(unsigned long i) : v_(static_cast<double>(i)) {}
    value(unsigned long long i) : v_(static_cast<double>(i)) {}
    value(std::string s) : v_(std::move(s)) {}
    value(const char* s) : v_(std::string(s)) {}
    value(array a) : v_(std::make_shared<array>(std::move(a))) {}
    value(object o) : v_(std::make_shared<object>(std::move(o))) {}

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    bool is_bool() const { return std::holds_alternative<bool>(v_); }
    bool is_number() const { return std::holds_alternative<double>(v_); }
    bool is_string() const { return std::holds_alternative<std::string>(v_); }
    bool is_array() const { return std::holds_alternative<std::shared_ptr<array>>(v_); }
    bool is_object() const { return std::holds_alternative<std::shared_ptr<object>>(v_); }

    bool as_bool() const { return std::get<bool>(v_); }
    double as_number() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const array& as_array() const { return *std::get<std::shared_ptr<array>>(v_); }
    const object& as_object() const { return *std::get<std::shared_ptr<object>>(v_); }
    object& as_object() { return *std::get<std::shared_ptr<object>>(v_); }

    // The member `key` of an object, or nullptr (also when this is not an object).
    const value* find(std::string_view key) const;
    // The number at `key`, or `fallback` when absent or not a number.
    double number_or(std::string_view key, double fallback) const;
    void set(std::string key, value v);  // replaces or appends a member of an object

  private:
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<array>, std::shared_ptr<object>> v_;
};

struct parse_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

value parse(std::string_view text);  // throws parse_error
std::string dump(const value& v);    // compact, one line
std::string dump_pretty(const value& v, int indent = 2);
std::string quote(std::string_view s);  // a JSON string literal

}  // namespace hytm_bench::json
