#include "core/fields/refresh.hpp"

#include <string>

#include "core/purity.hpp"

namespace docextract::fields {
namespace {

// The deepest nesting of arrays and objects, strings skipped; stops early past the limit, so the
// parser (recursive on output and destruction) never sees a hostile depth.
bool depth_within(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

}  // namespace

nlohmann::json parse_stored_result(std::string_view text) {
    if (!depth_within(text, kMaxStoredResultDepth))
        throw StoredResultError("the stored result is nested more than " +
                                std::to_string(kMaxStoredResultDepth) + " levels deep");
    nlohmann::json result = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (result.is_discarded()) throw StoredResultError("the stored result is not valid JSON");
    if (!result.is_object()) throw StoredResultError("the stored result is not a JSON object");
    if (result.contains("error")) throw StoredResultError("the stored result is an error object");
    return result;
}

nlohmann::json refresh_fields(std::string_view stored, const DocumentFieldsOptions &options) {
    return document_fields(parse_stored_result(stored), options);
}

}  // namespace docextract::fields
