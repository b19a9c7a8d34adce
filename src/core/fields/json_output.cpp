#include "core/fields/json_output.hpp"

#include <charconv>
#include <cmath>

#include "core/purity.hpp"

namespace docextract::fields {
namespace {

using nlohmann::json;

std::string plain(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void put_amount(const json &j, std::string &out) {
    if (j.is_number_float()) out += amount_text(j.get<double>());
    else if (j.is_number_integer() || j.is_number_unsigned()) out += plain(j) + ".00";
    else out += plain(j);
}

// An object whose listed members are written by `member`, the others as they are.
template <typename F>
void put_object(const json &j, std::string &out, F member) {
    if (!j.is_object()) {
        out += plain(j);
        return;
    }
    out += '{';
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ',';
        first = false;
        out += plain(json(it.key()));
        out += ':';
        member(it.key(), it.value(), out);
    }
    out += '}';
}

void put_line_items(const json &j, std::string &out) {
    if (!j.is_array()) {
        out += plain(j);
        return;
    }
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
        if (i) out += ',';
        put_object(j[i], out, [](const std::string &k, const json &v, std::string &o) {
            if (k == "unit_price" || k == "amount") put_amount(v, o);
            else o += plain(v);
        });
    }
    out += ']';
}

void put_field_value(const std::string &name, const json &v, std::string &out) {
    if (is_amount_field(name)) put_amount(v, out);
    else if (name == "line_items") put_line_items(v, out);
    else out += plain(v);
}

}  // namespace

bool is_amount_field(std::string_view name) noexcept {
    return name == "total_amount" || name == "net_amount" || name == "tax_amount" || name == "amount_due" ||
           name == "opening_balance" || name == "closing_balance";
}

std::string amount_text(double value) {
    if (!std::isfinite(value)) return "null";
    if (value == 0) value = 0;  // no "-0.00"
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 2);
    if (r.ec == std::errc()) {
        double back = 0;
        auto p = std::from_chars(buf, r.ptr, back);
        if (p.ec == std::errc() && back == value) return std::string(buf, r.ptr);
    }
    return plain(json(value));
}

std::string dump_json(const json &j) {
    if (!j.is_object()) return plain(j);
    std::string out;
    put_object(j, out, [](const std::string &key, const json &v, std::string &o) {
        if (key == "fields") {
            put_object(v, o, put_field_value);
        } else if (key == "field_details") {
            put_object(v, o, [](const std::string &name, const json &d, std::string &o2) {
                put_object(d, o2, [&name](const std::string &k, const json &x, std::string &o3) {
                    if (k == "value") put_field_value(name, x, o3);
                    else o3 += plain(x);
                });
            });
        } else if (key == "entities") {
            put_object(v, o, [](const std::string &k, const json &x, std::string &o2) {
                if (k != "amounts" || !x.is_array()) {
                    o2 += plain(x);
                    return;
                }
                o2 += '[';
                for (std::size_t i = 0; i < x.size(); ++i) {
                    if (i) o2 += ',';
                    put_object(x[i], o2, [](const std::string &kk, const json &a, std::string &o3) {
                        if (kk == "value") put_amount(a, o3);
                        else o3 += plain(a);
                    });
                }
                o2 += ']';
            });
        } else {
            o += plain(v);
        }
    });
    return out;
}

}  // namespace docextract::fields
