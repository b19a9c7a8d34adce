#!/bin/sh
# Generates the tiny real documents the unit tests read, with Debian's tools, into $1.
# Kept out of the repository so that it holds no binaries.
set -eu
out=${1:?usage: make_fixtures.sh OUTPUT_DIR}
mkdir -p "$out"
cd "$out"

# A 32x32 gradient: big enough to pass the 100-byte minimum in every format.
for ext in png jpg bmp webp; do
    convert -size 32x32 gradient:red-blue "sample.$ext"
done
convert -size 32x32 gradient:red-blue -compress none "sample.tiff"
# ImageMagick writes little-endian ("II*\0") whatever -endian says; tiffcp -B gives "MM\0*".
tiffcp -B sample.tiff sample_be.tiff
# ImageMagick's policy forbids writing PDF; groff does not need it.
printf 'docextract unit test\n' | groff -Tpdf > sample.pdf

for f in sample.png sample.jpg sample.bmp sample.webp sample.tiff sample_be.tiff sample.pdf; do
    test -s "$f" || { echo "make_fixtures.sh: $f was not created" >&2; exit 1; }
done
