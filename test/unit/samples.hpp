// Helpers shared by the unit tests: the generated sample documents and small byte builders.
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "core/validate.hpp"

namespace docextract::test {

// Reads a file written by make_fixtures.sh (ctest fixture "core_samples").
inline std::string sample(const std::string &name) {
    const std::string path = std::string(DOCEXTRACT_SAMPLE_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("missing sample " + path +
                                 " (run ctest, which runs make_fixtures.sh)");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A readable GoogleTest parameter name: the letters and digits of text, then the index.
inline std::string param_name(const std::string &text, std::size_t index) {
    std::string name;
    for (char c : text)
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            name += c;
    return name.substr(0, 40) + "_" + std::to_string(index);
}

inline core::Validation validate(const char *filename, const std::string &bytes,
                                 const core::SizeLimits &limits = {}) {
    return core::validate_file(filename, bytes.data(), bytes.size(), limits);
}

inline std::string bytes_of(const char *literal, std::size_t len) {
    return std::string(literal, len);
}

}  // namespace docextract::test
