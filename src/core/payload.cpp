// Signatures of what a polyglot hides: archives and executables. Each is checked structurally
// where 4 bytes could occur by chance in compressed image data.
#include <algorithm>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/byte_order.hpp"
#include "core/polyglot.hpp"
#include "core/purity.hpp"

namespace docextract::core::detail {
namespace {

using namespace std::string_view_literals;
using Bytes = std::string_view;
using Kind = std::optional<std::string_view>;

bool starts_with(Bytes b, Bytes prefix) {
    return b.substr(0, prefix.size()) == prefix;
}

// A local file header with room for its name: what streaming unzippers (bsdtar, jar) read.
bool zip_local_header(Bytes b) {
    if (!starts_with(b, "PK\x03\x04") || b.size() < 30)
        return false;
    const std::size_t name = le16(b, 26), extra = le16(b, 28);
    return name > 0 && 30 + name + extra <= b.size();
}

// MZ ... PE\0\0 at e_lfanew: a Windows executable, not two letters that happen to be "MZ".
bool pe_executable(Bytes b) {
    if (!starts_with(b, "MZ") || b.size() < 0x40)
        return false;
    const std::uint64_t pe = le32(b, 0x3C);
    return pe + 4 <= b.size() && b.substr(static_cast<std::size_t>(pe), 4) == "PE\0\0"sv;
}

// ELF ident: class 32/64, little/big endian, version 1.
bool elf_executable(Bytes b) {
    return starts_with(b, "\x7F" "ELF") && b.size() >= 7 && (b[4] == 1 || b[4] == 2) &&
           (b[5] == 1 || b[5] == 2) && b[6] == 1;
}

bool mach_o(Bytes b) {
    for (Bytes magic : {"\xFE\xED\xFA\xCE"sv, "\xFE\xED\xFA\xCF"sv, "\xCE\xFA\xED\xFE"sv,
                        "\xCF\xFA\xED\xFE"sv})
        if (starts_with(b, magic))
            return true;
    // Universal binary; a Java class file shares the magic but has a version >= 45 there.
    if (starts_with(b, "\xCA\xFE\xBA\xBE") && b.size() >= 8) {
        const auto count = static_cast<unsigned char>(b[7]);
        return b[4] == 0 && b[5] == 0 && b[6] == 0 && count > 0 && count < 45;
    }
    return false;
}

bool bzip2(Bytes b) {
    return starts_with(b, "BZh") && b.size() >= 10 && b[3] >= '1' && b[3] <= '9' &&
           b.substr(4, 6) == "1AY&SY";
}

constexpr std::size_t kZipWindow = 0xFFFF + 22;  // largest comment + the record itself

bool zip_record_at(Bytes b, std::size_t at) {
    if (b.size() - at < 22)
        return false;
    const std::uint16_t disk = le16(b, at + 4), cd_disk = le16(b, at + 6);
    const std::uint16_t entries_here = le16(b, at + 8), entries = le16(b, at + 10);
    const std::uint64_t cd_size = le32(b, at + 12), cd_offset = le32(b, at + 16);
    if (disk != cd_disk || entries == 0 || entries_here > entries || cd_size < 46 || cd_size > at)
        return false;
    // Readers take the offset as written, or (data prepended to the archive, as in an image with
    // a ZIP appended) relative to where the directory must start: the record minus its size.
    const auto directory_at = [&](std::uint64_t offset) {
        return offset + 4 <= at && b.substr(static_cast<std::size_t>(offset), 4) == "PK\x01\x02";
    };
    return directory_at(cd_offset) || directory_at(at - cd_size);
}

}  // namespace

Kind payload_at(Bytes b) {
    if (zip_local_header(b))
        return "a ZIP archive";
    if (starts_with(b, "7z\xBC\xAF\x27\x1C"))
        return "a 7z archive";
    if (starts_with(b, "Rar!\x1A\x07"))
        return "a RAR archive";
    if (starts_with(b, "\x1F\x8B\x08"))
        return "a gzip archive";
    if (starts_with(b, "\xFD" "7zXZ\0"sv))
        return "an xz archive";
    if (bzip2(b))
        return "a bzip2 archive";
    if (starts_with(b, "\x28\xB5\x2F\xFD"))
        return "a Zstandard archive";
    if (starts_with(b, "MSCF\0\0\0\0"sv))
        return "a cabinet archive";
    if (b.size() >= 262 && b.substr(257, 5) == "ustar")
        return "a tar archive";
    if (elf_executable(b))
        return "an ELF executable";
    if (pe_executable(b))
        return "a Windows executable";
    if (mach_o(b))
        return "a Mach-O executable";
    if (starts_with(b, "#!"))
        return "a script";
    return std::nullopt;
}

Kind payload_inside(Bytes b) {
    struct Needle {
        Bytes bytes;
        std::string_view kind;
    };
    // 6 bytes or more (or the ELF ident): about one chance hit in 2^48 positions.
    static constexpr Needle kNeedles[] = {{"7z\xBC\xAF\x27\x1C", "a 7z archive"},
                                          {"Rar!\x1A\x07", "a RAR archive"},
                                          {"\xFD" "7zXZ\0"sv, "an xz archive"},
                                          {"\x7F" "ELF", "an ELF executable"}};
    for (const Needle &needle : kNeedles)
        for (std::size_t at = b.find(needle.bytes); at != Bytes::npos;
             at = b.find(needle.bytes, at + 1))
            if (needle.kind != "an ELF executable" || elf_executable(b.substr(at)))
                return needle.kind;
    return std::nullopt;
}

namespace {

// The first position >= at (and <= last) of a candidate "PK" pair, or last + 1. Compressed data
// holds one chance pair in 64 KiB, so whole blocks are skipped at the speed of the cache.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) std::size_t next_pair_avx2(Bytes b, std::size_t at,
                                                           std::size_t last) {
    const __m256i p = _mm256_set1_epi8('P'), k = _mm256_set1_epi8('K');
    for (; at + 65 <= b.size() && at <= last; at += 64) {
        const char *q = b.data() + at;
        const __m256i low = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(q)), p),
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(q + 1)), k));
        const __m256i high = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(q + 32)), p),
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(q + 33)), k));
        if (_mm256_movemask_epi8(_mm256_or_si256(low, high)) != 0)
            return at;
    }
    return at;
}
#endif

std::size_t next_pair(Bytes b, std::size_t at, std::size_t last) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2)
        return next_pair_avx2(b, at, last);
#endif
#if defined(__SSE2__)
    const __m128i p = _mm_set1_epi8('P'), k = _mm_set1_epi8('K');
    const auto pairs = [&](std::size_t from) {
        const auto *q = reinterpret_cast<const __m128i *>(b.data() + from);
        const auto *r = reinterpret_cast<const __m128i *>(b.data() + from + 1);
        return _mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128(q), p),
                             _mm_cmpeq_epi8(_mm_loadu_si128(r), k));
    };
    for (; at + 65 <= b.size() && at <= last; at += 64) {
        const __m128i any = _mm_or_si128(_mm_or_si128(pairs(at), pairs(at + 16)),
                                         _mm_or_si128(pairs(at + 32), pairs(at + 48)));
        if (_mm_movemask_epi8(any) != 0)
            return at;
    }
#endif
    return at;
}

}  // namespace

bool has_zip_directory(Bytes b) {
    if (b.size() < 22)
        return false;
    const std::size_t last = b.size() - 22;  // the last position a record fits
    std::size_t at = b.size() > kZipWindow ? b.size() - kZipWindow : 0;
    while ((at = next_pair(b, at, last)) <= last) {
        // A block with a pair, or the tail the vector loop leaves: byte by byte.
        const std::size_t block_end = std::min(at + 64, last + 1);
        for (; at < block_end; ++at)
            if (b[at] == 'P' && b.substr(at, 4) == "PK\x05\x06" && zip_record_at(b, at))
                return true;
    }
    return false;
}

}  // namespace docextract::core::detail
