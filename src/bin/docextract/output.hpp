// Terminal output shared by the subcommands: a one-line progress bar redrawn on stderr, and
// JSON documents written as one line on stdout.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace docextract::cli {

// Whether stderr is a terminal (the progress bar is drawn only there).
bool stderr_is_terminal();

class ProgressBar {
  public:
    explicit ProgressBar(bool enabled, std::size_t total) : enabled_(enabled), total_(total) {}
    ~ProgressBar() { clear(); }
    void update(std::size_t done, const std::string &label);
    // Erases the bar so that a message can be printed; the next update() draws it again.
    void clear();
    bool enabled() const { return enabled_; }

  private:
    bool enabled_;
    std::size_t total_;
    bool drawn_ = false;
};

// Prints j on stdout, invalid UTF-8 (a file name) replaced rather than refused.
void print_json(const nlohmann::json &j);

}  // namespace docextract::cli
