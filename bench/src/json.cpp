#include "json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hytm_bench::json {

const value* value::find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : as_object())
        if (k == key) return &v;
    return nullptr;
}

double value::number_or(std::string_view key, double fallback) const {
    const value* v = find(key);
    return v != nullptr && v->is_number() ? v->as_number() : fallback;
}

void value::set(std::string key, value v) {
    for (auto& [k, old] : as_object()) {
        if (k == key) {
            old = std::move(v);
            return;
        }
    }
    as_object().emplace_back(std::move(key), std::move(v));
}

namespace {

class parser {
  public:
    explicit parser(std::string_view text) : s_(text) {}

    value document() {
        value v = any();
        skip_space();
        if (pos_ != s_.size()) fail("trailing characters");
        return v;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const { throw parse_error(what + " at offset " + std::to_string(pos_)); }

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
    }
    char peek() {
        skip_space();
        if (pos_ >= s_.size()) fail("unexpected end");
        return s_[pos_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    value any() {
        char c = peek();
        if (c == '{') return obj();
        if (c == '[') return arr();
        if (c == '"') return str();
        if (literal("true")) return value(true);
        if (literal("false")) return value(false);
        if (literal("null")) return value();
        return num();
    }

    value obj() {
        expect('{');
        object o;
        if (peek() == '}') {
            ++pos_;
            return value(std::move(o));
        }
        for (;;) {
            if (peek() != '"') fail("expected a key");
            std::string key = str().as_string();
            expect(':');
            o.emplace_back(std::move(key), any());
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return value(std::move(o));
        }
    }

    value arr() {
        expect('[');
        array a;
        if (peek() == ']') {
            ++pos_;
            return value(std::move(a));
        }
        for (;;) {
            a.push_back(any());
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return value(std::move(a));
        }
    }

    value str() {
        expect('"');
        std::string out;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            char c = s_[pos_++];
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unfinished escape");
            switch (char e = s_[pos_++]) {
                case '"': case '\\': case '/': out += e; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': append_utf8(out, hex4()); break;
                default: fail("bad escape");
            }
        }
        if (pos_ >= s_.size()) fail("unfinished string");
        ++pos_;
        return value(std::move(out));
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("short \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
            else fail("bad hex digit");
        }
        return v;
    }

    // Surrogate pairs are not joined: the driver's own documents are ASCII.
    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    value num() {
        std::size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        while (pos_ < s_.size() && std::string_view("0123456789.eE+-").find(s_[pos_]) != std::string_view::npos) ++pos_;
        if (start == pos_) fail("unexpected character");
        std::string text(s_.substr(start, pos_ - start));
        char* end = nullptr;
        double d = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) fail("bad number '" + text + "'");
        return value(d);
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

void write_number(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    char buf[32];
    if (d == std::floor(d) && std::fabs(d) < 9.0e15) std::snprintf(buf, sizeof buf, "%.0f", d);
    else std::snprintf(buf, sizeof buf, "%.6g", d);
    out += buf;
}

void write(std::string& out, const value& v, int indent, int depth) {
    auto newline = [&](int d) {
        if (indent < 0) return;
        out += '\n';
        out.append(static_cast<std::size_t>(indent * d), ' ');
    };
    if (v.is_null()) out += "null";
    else if (v.is_bool()) out += v.as_bool() ? "true" : "false";
    else if (v.is_number()) write_number(out, v.as_number());
    else if (v.is_string()) out += quote(v.as_string());
    else if (v.is_array()) {
        const array& a = v.as_array();
        out += '[';
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i) out += ',';
            newline(depth + 1);
            write(out, a[i], indent, depth + 1);
        }
        if (!a.empty()) newline(depth);
        out += ']';
    } else {
        const object& o = v.as_object();
        out += '{';
        for (std::size_t i = 0; i < o.size(); ++i) {
            if (i) out += ',';
            newline(depth + 1);
            out += quote(o[i].first);
            out += indent < 0 ? ":" : ": ";
            write(out, o[i].second, indent, depth + 1);
        }
        if (!o.empty()) newline(depth);
        out += '}';
    }
}

}  // namespace

value parse(std::string_view text) { return parser(text).document(); }

std::string dump(const value& v) {
    std::string out;
    write(out, v, -1, 0);
    return out;
}

std::string dump_pretty(const value& v, int indent) {
    std::string out;
    write(out, v, indent, 0);
    return out;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + '"';
}

}  // namespace hytm_bench::json
