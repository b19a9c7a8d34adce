#!/bin/bash
# Generates the extraction test documents into $1 with Debian tools (groff, ghostscript, qpdf,
# img2pdf, ImageMagick, cwebp) and make_hostile.py. Known words are asserted by the tests.
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"
export SOURCE_DATE_EPOCH=1700000000  # stable dates where the tools honour it

# Text PDF: one page, a native text layer well above the OCR threshold.
printf '.LP\nThe quick brown fox jumps over the lazy dog while docextract reads the native text layer.\n' |
  groff -ms -Tpdf > text.pdf

# Three pages with Info metadata (ghostscript pdfmark sets the document information dictionary).
printf '.LP\nPage one alpha words for the metadata fixture document of docextract.\n.bp\nPage two bravo words for the metadata fixture document of docextract.\n.bp\nPage three charlie words for the metadata fixture document of docextract.\n' |
  groff -ms -Tpdf > meta-raw.pdf
echo '[ /Title (Quarterly Report) /Author (Jane Doe) /Subject (Testing) /Keywords (alpha, beta) /DOCINFO pdfmark' > marks.ps
gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pdfwrite -o meta.pdf meta-raw.pdf marks.ps
rm -f meta-raw.pdf marks.ps

# Encrypted: a user password is needed to open it.
qpdf --encrypt secret owner-secret 256 -- text.pdf encrypted.pdf

# OCR images: large clear words at 300 dpi.
# -density after label: only the recorded resolution changes, not the rendered size.
label() { convert -size "$1" -background white -fill black -gravity center -pointsize 72 \
            label:"$2" -density 300 -units PixelsPerInch "$3"; }
label 1200x300 'HELLO DOCEXTRACT' hello.png
convert hello.png -quality 95 hello.jpg
convert hello.png -type TrueColor BMP3:hello.bmp
# ImageMagick writes 8-bit palette BMPs run-length encoded, which leptonica cannot read.
convert hello.png -type Palette -compress RLE BMP3:rle.bmp
cwebp -quiet -lossless hello.png -o hello.webp
label 1200x300 'FIRST PAGE' tiff-p1.png
label 1200x300 'SECOND PAGE' tiff-p2.png
convert tiff-p1.png tiff-p2.png -compress lzw multi.tiff
rm -f tiff-p1.png tiff-p2.png

# Scanned PDF: an image-only page (no text layer), as a scanner would produce.
convert -size 2480x1200 -background white -fill black -gravity center -pointsize 100 \
  label:'SCANNED INVOICE NUMBER 4711' -density 300 -units PixelsPerInch scan.png
img2pdf scan.png -o scanned.pdf
rm -f scan.png

python3 "$here/make_hostile.py" "$out"
touch "$out/.complete"
