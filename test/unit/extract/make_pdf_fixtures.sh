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

# Quarter-turned scans (pdf_test.cpp TurnedPages): a paragraph at 300 dpi, upright and turned
# clockwise by 90, 180 and 270 degrees and skewed by 4 degrees in the content (turned.pdf), and the upright scan shown
# turned by the page's /Rotate (rotate-attr.pdf). OCR turns each back; its word boxes must come
# out in the page as displayed.
convert -size 1100x330 xc:white -font DejaVu-Sans -pointsize 30 -fill black \
  -annotate +40+70 'The quick brown fox jumps over the lazy dog.' \
  -annotate +40+140 'Seven wizards count the boxes near the river.' \
  -annotate +40+210 'Every morning the baker sells fresh bread.' \
  -annotate +40+280 'Our invoice number is 4711 and it is paid.' \
  -density 300 -units PixelsPerInch para.png
for deg in 90 180 270; do convert para.png -rotate $deg para-$deg.png; done
convert para.png -background white -rotate 4 para-4.png  # skewed: the canvas grows to fit
img2pdf para.png para-90.png para-180.png para-270.png para-4.png -o turned.pdf
img2pdf para.png -o para.pdf
qpdf --empty --pages para.pdf para.pdf para.pdf -- para3.pdf
qpdf para3.pdf --rotate=+90:1 --rotate=+180:2 --rotate=+270:3 rotate-attr.pdf
rm -f para.png para-90.png para-180.png para-270.png para-4.png para.pdf para3.pdf

"$py" "$here/make_pdf_fixtures.py" "$out"

qpdf words.pdf --rotate=+90 words-rot90.pdf
qpdf invoice-base.pdf --add-attachment factur-x.xml --mimetype=text/xml -- \
  --add-attachment notes.txt --mimetype=text/plain -- facturx.pdf
qpdf words.pdf --rotate=+90 words-rot90.pdf
qpdf invoice-base.pdf --add-attachment data.xml --mimetype=application/xml -- \
  --add-attachment ubl-invoice-17.xml --mimetype=application/xml -- ubl.pdf
rm -f scan.png scan-150.png scan-200.png invoice-base.pdf
touch "$out/.complete"
