// File-name rules of validate_file, split out so that validate.cpp stays short. Internal to
// src/core.
#pragma once

#include <string>
#include <vector>

namespace docextract::core::detail {

struct FilenameCheck {
    std::string base_name;  // the name after the last '/' or '\\'
    std::string extension;  // lower-cased final extension if it is an accepted one, else ""
    std::vector<std::string> errors;
    std::vector<std::string> notes;  // e.g. the directory part that was removed
};

// filename may be null.
FilenameCheck check_filename(const char *filename);

}  // namespace docextract::core::detail
