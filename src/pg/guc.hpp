// docextract's configuration parameters (GUCs). Defined once, in _PG_init.
#pragma once

namespace docextract::pg {

extern int guc_min_file_size;
extern int guc_max_file_size;
extern char *guc_extract_program;

void define_gucs();

}  // namespace docextract::pg
