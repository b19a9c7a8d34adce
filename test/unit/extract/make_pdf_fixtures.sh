#!/bin/bash
# Generates the PDF document-model fixtures into $1 (pdf_test.cpp): scans at 150, 200 and 300 dpi
# (ImageMagick + img2pdf), attachments (qpdf), and the rest with make_pdf_fixtures.py (reportlab,
# hand-written PDFs).
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
mkdir -p "$out"
cd "$out"
export SOURCE_DATE_EPOCH=1700000000

# A strip of a page (8.27 x 3 in) scanned at three resolutions; img2pdf sizes each page from the
# image's dpi, so the three pages have the same size in points.
for dpi in 150 200 300; do
  w=$((827 * dpi / 100)); h=$((3 * dpi)); pt=$((dpi / 3))
  convert -size ${w}x${h} -background white -fill black -gravity center -pointsize $pt \
    label:"RESOLUTION TEST $dpi" -density $dpi -units PixelsPerInch scan-$dpi.png
done
img2pdf scan-150.png scan-200.png scan-300.png -o scans.pdf

# As make_fixtures.sh makes them (own copies: the two fixture setups may run in any order).
printf '.LP\nThe quick brown fox jumps over the lazy dog while docextract reads the native text layer.\n' |
  groff -ms -Tpdf > text.pdf
convert -size 2480x1200 -background white -fill black -gravity center -pointsize 100 \
  label:'SCANNED INVOICE NUMBER 4711' -density 300 -units PixelsPerInch scan.png
img2pdf scan.png -o scanned.pdf

"$py" "$here/make_pdf_fixtures.py" "$out"

qpdf words.pdf --rotate=+90 words-rot90.pdf
qpdf invoice-base.pdf --add-attachment factur-x.xml --mimetype=text/xml -- \
  --add-attachment notes.txt --mimetype=text/plain -- facturx.pdf
qpdf words.pdf --rotate=+90 words-rot90.pdf
qpdf invoice-base.pdf --add-attachment data.xml --mimetype=application/xml -- \
  --add-attachment ubl-invoice-17.xml --mimetype=application/xml -- ubl.pdf
rm -f scan.png scan-150.png scan-200.png invoice-base.pdf
touch "$out/.complete"
