#include "output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace docextract::cli {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(std::size_t done, const std::string &label) {
    if (!enabled_) return;
    winsize ws{};
    const int width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 80;
    const int bar = 30;
    const int filled = total_ == 0 ? bar : static_cast<int>(done * bar / total_);
    std::string line = "[" + std::string(filled, '#') + std::string(bar - filled, '.') + "] " +
                       std::to_string(done) + "/" + std::to_string(total_) + " ";
    const std::size_t room = static_cast<std::size_t>(std::max(0, width - 1 - static_cast<int>(line.size())));
    // The end of a long path says more than its beginning.
    if (label.size() <= room) line += label;
    else if (room > 3) line += "..." + label.substr(label.size() - (room - 3));
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::clear() {
    if (!enabled_ || !drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

void print_json(const nlohmann::json &j) {
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace docextract::cli
