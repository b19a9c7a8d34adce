// The helper's result as JSON text, with amounts written as FIELDS.md wants them: JSON numbers
// with two decimals ("total_amount":1190.00), which jsonb keeps as written. nlohmann::json holds
// numbers as doubles and would print 1190.0; everything else is written exactly as its dump().
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace docextract::fields {

// The FIELDS.md fields whose values are amounts (total_amount, net_amount, tax_amount,
// amount_due, opening_balance, closing_balance).
bool is_amount_field(std::string_view name) noexcept;

// The number as an amount: two decimals when that is the same double ("1190.00", "-0.50"),
// else the shortest form that is (a unit price of 0.125 stays 0.125).
std::string amount_text(double value);

// Same as j.dump(-1, ' ', false, replace), except the amounts of the keys document_fields adds:
// fields and field_details values of amount fields, the unit_price and amount of line items,
// and entities.amounts[].value.
std::string dump_json(const nlohmann::json &j);

}  // namespace docextract::fields
