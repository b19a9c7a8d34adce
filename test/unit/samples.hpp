// Helpers shared by the unit tests: the generated sample documents and small byte builders.
#pragma once

#include <cstdint>
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

// A minimal ZIP: one stored empty member "a.php", its central directory and end record. base is
// added to the directory's offset (an archive written for the position it will be appended at).
inline std::string tiny_zip(std::uint32_t base = 0) {
    std::string zip =
        bytes_of("PK\x03\x04\x0A\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0", 30) +
        "a.php";
    zip += bytes_of("PK\x01\x02\x14\0\x0A\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0"
                    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                    46) +
           "a.php";
    const std::uint32_t offset = 0x23 + base;
    zip += bytes_of("PK\x05\x06\0\0\0\0\x01\0\x01\0\x33\0\0\0", 16);
    for (int shift = 0; shift < 32; shift += 8)
        zip += static_cast<char>((offset >> shift) & 0xFF);
    zip += bytes_of("\0\0", 2);
    return zip;
}

// The 64-byte header of an x86-64 ELF executable (what libmagic and the loader read first).
inline std::string tiny_elf() {
    return bytes_of("\x7F" "ELF\x02\x01\x01", 7) + std::string(57, '\0');
}

// MZ, then e_lfanew = 0x40 pointing to "PE\0\0".
inline std::string tiny_pe() {
    std::string pe = "MZ" + std::string(0x3A, '\0') + bytes_of("\x40\0\0\0", 4);
    return pe + bytes_of("PE\0\0", 4) + std::string(20, '\0');
}

// A PNG chunk; decoders would check the CRC, the validator does not, so it is left zero.
inline std::string png_chunk(const std::string &type, const std::string &data) {
    std::string chunk;
    for (int shift = 24; shift >= 0; shift -= 8)
        chunk += static_cast<char>((data.size() >> shift) & 0xFF);
    return chunk + type + data + std::string(4, '\0');
}

}  // namespace docextract::test
