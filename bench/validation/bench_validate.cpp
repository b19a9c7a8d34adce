// validate_file() through the C++ core vs a raw libmagic loop on the same buffers.
//   bench_validate SECONDS_PER_RUN RUNS FILE...
// For each file, RUNS rounds alternate "raw" (magic_buffer with docextract's flags and bytes_max,
// one cookie loaded once) and "validate" (docextract::core::validate_file with the default
// limits, whose cookie is also loaded once per process), each a fixed-time loop. One warm-up
// round of each per file is run and not reported. Prints one line per run:
//   FILE KIND RUN CALLS_PER_SECOND
#include <magic.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/validate.hpp"

namespace {

// The same flags and bytes_max as src/core/mime.cpp (kMagicFlags, kMagicBytesMax), which keeps
// them in an anonymous namespace.
constexpr int kFlags = MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
                       MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_CDF |
                       MAGIC_NO_CHECK_TEXT | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV |
                       MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_APPTYPE;
constexpr std::size_t kBytesMax = 1024 * 1024;

using Clock = std::chrono::steady_clock;

template <typename F>
double calls_per_second(double seconds, F &&call) {
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
    long n = 0;
    Clock::time_point now;
    do {
        call();
        ++n;
        now = Clock::now();
    } while (now < until);
    return n / std::chrono::duration<double>(now - start).count();
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s SECONDS_PER_RUN RUNS FILE...\n", argv[0]);
        return 2;
    }
    const double seconds = std::atof(argv[1]);
    const int runs = std::atoi(argv[2]);

    magic_t raw = magic_open(kFlags);
    std::size_t bytes_max = kBytesMax;
    if (raw == nullptr || magic_setparam(raw, MAGIC_PARAM_BYTES_MAX, &bytes_max) != 0 ||
        magic_load(raw, nullptr) != 0) {
        std::fprintf(stderr, "libmagic: %s\n", raw ? magic_error(raw) : "magic_open failed");
        return 1;
    }
    const docextract::core::SizeLimits limits;  // the GUCs' defaults: 100 B .. 50 MiB

    for (int f = 3; f < argc; ++f) {
        const std::string path = argv[f];
        std::ifstream in(path, std::ios::binary);
        const std::vector<char> buf((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
        const std::string name = path.substr(path.find_last_of('/') + 1);

        // Both must agree that the file is what it claims to be, or the comparison is moot.
        const char *mime = magic_buffer(raw, buf.data(), buf.size());
        const auto v = docextract::core::validate_file(name.c_str(), buf.data(), buf.size(), limits);
        if (mime == nullptr || !v.valid || v.mime_type != mime) {
            std::fprintf(stderr, "%s: raw says %s, validate_file says %s (%s)\n", path.c_str(),
                         mime ? mime : magic_error(raw), v.valid ? "valid" : "invalid",
                         v.errors.empty() ? "" : v.errors.front().c_str());
            return 1;
        }

        volatile bool sink = false;
        auto raw_call = [&] { sink = magic_buffer(raw, buf.data(), buf.size()) != nullptr; };
        auto validate_call = [&] {
            sink = docextract::core::validate_file(name.c_str(), buf.data(), buf.size(), limits).valid;
        };
        calls_per_second(seconds / 2, raw_call);  // warm-up, not reported
        calls_per_second(seconds / 2, validate_call);
        for (int r = 1; r <= runs; ++r) {
            // Alternate which goes first, so that drift in the machine's load hits both alike.
            if (r % 2) {
                std::printf("%s raw %d %.1f\n", name.c_str(), r, calls_per_second(seconds, raw_call));
                std::printf("%s validate %d %.1f\n", name.c_str(), r, calls_per_second(seconds, validate_call));
            } else {
                std::printf("%s validate %d %.1f\n", name.c_str(), r, calls_per_second(seconds, validate_call));
                std::printf("%s raw %d %.1f\n", name.c_str(), r, calls_per_second(seconds, raw_call));
            }
            std::fflush(stdout);
        }
    }
    magic_close(raw);
    return 0;
}
