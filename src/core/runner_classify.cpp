// Classifies a finished helper from its exit status and stdout. The output is checked with a SAX
// pass (no DOM): it runs inside the server, so nesting depth is capped and nothing is built.
#include "core/runner_internal.hpp"

#include <csignal>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "core/purity.hpp"

namespace docextract::core {
namespace {

constexpr int kMaxDepth = 64;

// Checks that the text is one JSON object and picks out error.code / error.message.
class OutputScanner : public nlohmann::json_sax<nlohmann::json> {
public:
    bool has_error = false;
    std::string code, message;
    std::string problem;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t &) override { return value(); }
    bool binary(binary_t &) override { return value(); }
    bool string(string_t &s) override {
        if (in_error_object() && depth_ == 2) {
            if (key_ == "code") code = s;
            if (key_ == "message") message = s;
        }
        return value();
    }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t &k) override {
        key_ = k;
        if (depth_ == 1) top_key_ = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &e) override {
        problem = e.what();
        return false;
    }

private:
    int depth_ = 0;
    bool started_ = false;
    std::string key_, top_key_;

    bool in_error_object() const { return top_key_ == "error"; }
    bool value() {
        if (depth_ == 0) {
            problem = "top-level value is not an object";
            return false;
        }
        return true;
    }
    bool open(bool object) {
        if (depth_ == 0) {
            if (!object || started_) {
                problem = "top-level value is not an object";
                return false;
            }
            started_ = true;
        }
        if (depth_ == 1 && object && top_key_ == "error") has_error = true;
        if (++depth_ > kMaxDepth) {
            problem = "nesting deeper than 64";
            return false;
        }
        return true;
    }
    bool close() {
        --depth_;
        if (depth_ == 1) top_key_.clear();
        return true;
    }
};

bool only_whitespace(const std::string &s) {
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

const char *outcome_name(RunOutcome outcome) {
    switch (outcome) {
        case RunOutcome::ok: return "ok";
        case RunOutcome::helper_error: return "helper_error";
        case RunOutcome::exit_without_json: return "exit_without_json";
        case RunOutcome::killed_by_signal: return "killed_by_signal";
        case RunOutcome::timeout: return "timeout";
        case RunOutcome::bad_output: return "bad_output";
        case RunOutcome::output_too_large: return "output_too_large";
        case RunOutcome::spawn_failed: return "spawn_failed";
        case RunOutcome::aborted: return "aborted";
    }
    return "unknown";
}

void classify_finished(RunResult &r) {
    if (r.term_signal != 0) {
        r.outcome = RunOutcome::killed_by_signal;
        const char *name = strsignal(r.term_signal);
        r.error_message = "helper killed by signal " + std::to_string(r.term_signal) + " (" +
                          (name ? name : "?") + ")";
        return;
    }
    if (only_whitespace(r.json)) {
        r.outcome = RunOutcome::exit_without_json;
        r.error_message = "helper exited with status " + std::to_string(r.exit_status) +
                          " and wrote no JSON";
        return;
    }
    OutputScanner scanner;
    bool well_formed = nlohmann::json::sax_parse(r.json, &scanner, nlohmann::json::input_format_t::json,
                                                 true /*strict*/);
    if (!well_formed) {
        r.outcome = RunOutcome::bad_output;
        r.error_message = "helper output is not a JSON object: " + scanner.problem;
        return;
    }
    if (scanner.has_error) {
        r.outcome = RunOutcome::helper_error;
        r.error_code = scanner.code.empty() ? "internal" : scanner.code;
        r.error_message = scanner.message;
        return;
    }
    if (r.exit_status != 0) {
        r.outcome = RunOutcome::bad_output;
        r.error_message = "helper exited with status " + std::to_string(r.exit_status) +
                          " but reported no error";
        return;
    }
    r.outcome = RunOutcome::ok;
}

}  // namespace docextract::core
