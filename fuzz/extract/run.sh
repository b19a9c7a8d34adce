#!/bin/bash
# Builds the libFuzzer target with clang (ASan + UBSan) and runs it.
# Usage: fuzz/extract/run.sh BUILD_DIR SECONDS
#   short run (part of ctest):  fuzz/extract/run.sh build-extract/fuzz 20
#   long run (by hand):         fuzz/extract/run.sh build-extract/fuzz 3600
# Seeds: the generated test fixtures when present, else a few signatures. Crashes are kept in
# BUILD_DIR/artifacts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)/src
out=$(mkdir -p "$1" && cd "$1" && pwd)
seconds=${2:-20}
bin=$out/fuzz_extract
newest=$(ls -t "$here"/*.cpp "$src"/core/extract/*.cpp "$src"/core/extract/*.hpp | head -1)
if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
  # shellcheck disable=SC2046
  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src" "$here/fuzz_extract.cpp" "$src"/core/extract/*.cpp \
    $(pkg-config --cflags --libs poppler-cpp tesseract lept zxing libtiff-4) -lcld2 -ldl \
    -idirafter "$(pkg-config --variable=includedir poppler)/poppler" $(pkg-config --libs poppler) -o "$bin"
fi
corpus=$out/corpus
mkdir -p "$corpus" "$out/artifacts"
fixtures=${EXTRACT_FIXTURES:-$out/../test/unit/extract/fixtures}
if [ -z "$(ls -A "$corpus")" ]; then
  i=0
  for f in "$fixtures"/*.png "$fixtures"/*.jpg "$fixtures"/*.tiff "$fixtures"/*.bmp "$fixtures"/*.webp "$fixtures"/*.pdf; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 200000 ] || continue
    case $f in *.png) b=0;; *.jpg) b=1;; *.tiff) b=2;; *.bmp) b=3;; *.webp) b=4;; *) b=5;; esac
    { printf "\\x$(printf %02x $b)"; cat "$f"; } > "$corpus/seed$i"; i=$((i + 1))
  done
  printf '\x05%%PDF-1.4\n' > "$corpus/pdf"; printf '\x00\x89PNG\r\n\x1a\n' > "$corpus/png"
fi
# The leaks that poppler/leptonica keep in globals are not what this run looks for.
ASAN_OPTIONS=detect_leaks=0 "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
  -max_len=262144 -artifact_prefix="$out/artifacts/" "$corpus"
