#!/usr/bin/env bash
# Writes the demo documents into the directory given as $1: one of every accepted format with
# known words, a scanned (image-only) PDF, and three files that must be refused.
set -euo pipefail
out=$1
mkdir -p "$out"
cd "$out"

# Text PDFs (groff), one with two pages and metadata.
printf '.TL\nInvoice 2026-0042\n.PP\nACME Supplies Ltd. billed 3 boxes of paper for 42.00 EUR, due on 31 December 2026.\n' \
  | groff -ms -Tpdf > invoice.pdf
printf '.TL\nQuarterly report\n.AU\nJane Analyst\n.PP\nPage one covers the revenue of the quarter.\n.bp\n.PP\nPage two covers the costs and the outlook.\n' \
  | groff -ms -Tpdf -P-pa4 > report.pdf

# Images with large clear text for OCR, in every accepted image format.
convert -size 1200x300 xc:white -font DejaVu-Sans -pointsize 72 -fill black \
        -annotate +40+180 'RECEIPT TOTAL 19.99' -density 300 -depth 8 -alpha off receipt.png
convert receipt.png -quality 92 receipt.jpg
convert receipt.png -compress lzw receipt.tiff
convert receipt.png -compress none BMP3:receipt.bmp
convert receipt.png -quality 90 receipt.webp
# A scanned document: an image-only PDF, which needs OCR.
convert -size 1200x400 xc:white -font DejaVu-Sans -pointsize 64 -fill black \
        -annotate +40+160 'SCANNED LETTER' -annotate +40+280 'DEAR CUSTOMER' -density 300 \
        -depth 8 -type Grayscale -alpha off scan.png
img2pdf scan.png -o scanned.pdf 2>/dev/null
rm scan.png

# Files that must be refused.
printf '<?php system($_GET["c"]); ?>%0200d' 0 > shell.php.pdf      # a script under a PDF name
cp receipt.png not-a-pdf.pdf                                       # extension and content differ
{ cat receipt.png; cat invoice.pdf; } > polyglot.png                # a PNG carrying a PDF
