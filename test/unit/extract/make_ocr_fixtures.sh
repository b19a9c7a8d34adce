#!/bin/bash
# Generates the OCR and image test documents into $1 with ImageMagick and cwebp (DejaVu Sans):
# every pixel format with and without alpha, rotated and skewed pages, five languages, an image
# without a resolution tag, known word positions, noise and a blank page. Small images: OCR is
# slow on a shared machine.
set -euo pipefail
out=$1/ocr
mkdir -p "$out"
cd "$out"
font=DejaVu-Sans

# --- pixel formats: "Quick Brown Fox 4711" in black on a transparent (black underneath) or
# white background.
draw() {  # draw BACKGROUND OUTPUT
  convert -size 1000x200 "xc:$1" -font $font -pointsize 64 -fill black \
    -annotate +60+130 'Quick Brown Fox 4711' -density 300 -units PixelsPerInch "$2"
}
draw none base-alpha.png   # RGBA, transparent pixels are (0,0,0,0)
draw white base.png
# PNG: the colour type and bit depth forced (ImageMagick would otherwise pick the smallest).
png() { convert "$1" -define png:color-type=$2 -define png:bit-depth=$3 "${@:5}" "PNG:$4"; }
png base.png 0 8 gray.png -colorspace Gray
png base-alpha.png 4 8 graya.png -colorspace Gray
png base.png 2 8 rgb.png
png base-alpha.png 6 8 rgba.png
png base.png 3 8 palette.png
draw none PNG8:palette-trns.png   # palette with a tRNS chunk (binary transparency)
png base.png 0 16 gray16.png -colorspace Gray
png base-alpha.png 4 16 graya16.png -colorspace Gray
png base-alpha.png 6 16 rgba16.png
# TIFF
convert base.png -colorspace Gray -type Grayscale -depth 8 gray.tiff
convert base-alpha.png -colorspace Gray -type GrayscaleAlpha -depth 8 graya.tiff
convert base.png -type TrueColor -depth 8 rgb.tiff
convert base-alpha.png -type TrueColorAlpha -depth 8 rgba.tiff
convert base.png -type Palette -depth 8 palette.tiff
convert base.png -colorspace Gray -type Grayscale -depth 16 gray16.tiff
# 16-bit with alpha: leptonica 1.82 cannot decode gray+alpha, tiles or separate planes at 16 bits
# (neither can the tesseract CLI); the helper reads them with libtiff. Unassociated and associated
# (premultiplied) alpha, strips, tiles and separate planes.
convert base-alpha.png -colorspace Gray -type GrayscaleAlpha -depth 16 graya16.tiff
convert base-alpha.png -colorspace Gray -type GrayscaleAlpha -depth 16 \
  -define tiff:tile-geometry=256x128 graya16-tiled.tiff
convert base-alpha.png -colorspace Gray -type GrayscaleAlpha -depth 16 -define tiff:alpha=associated \
  -compress lzw graya16-assoc.tiff
convert base-alpha.png -type TrueColorAlpha -depth 16 rgba16.tiff
convert base-alpha.png -type TrueColorAlpha -depth 16 -interlace plane rgba16-planar.tiff
convert base-alpha.png -type TrueColorAlpha -depth 16 -define tiff:alpha=associated rgba16-assoc.tiff
# WebP: lossless, -exact keeps the colour under transparent pixels (black).
cwebp -quiet -lossless base.png -o rgb.webp
cwebp -quiet -lossless -exact base-alpha.png -o rgba.webp
cwebp -quiet -q 90 -exact base-alpha.png -o rgba-lossy.webp

# --- orientation and skew: a short paragraph, upright, turned and skewed.
para() {  # para OUTPUT
  convert -size 1100x330 xc:white -font $font -pointsize 30 -fill black \
    -annotate +40+70 'The quick brown fox jumps over the lazy dog.' \
    -annotate +40+140 'Seven wizards count the boxes near the river.' \
    -annotate +40+210 'Every morning the baker sells fresh bread.' \
    -annotate +40+280 'Our invoice number is 4711 and it is paid.' \
    -density 300 -units PixelsPerInch "$1"
}
para upright.png
for deg in 90 180 270; do convert upright.png -rotate $deg "rot$deg.png"; done
convert upright.png -background white -rotate 4 skew4.png
convert upright.png -background white -rotate -3 skewm3.png
convert upright.png -flop mirrored.png

# --- languages
lang() {  # lang OUTPUT LINE1 LINE2 LINE3 LINE4
  convert -size 1200x330 xc:white -font $font -pointsize 28 -fill black \
    -annotate +40+70 "$2" -annotate +40+140 "$3" -annotate +40+210 "$4" -annotate +40+280 "$5" \
    -density 300 -units PixelsPerInch "$1"
}
lang de.png 'Die Rechnung wurde am Montag an unsere Kunden' 'geschickt und muss innerhalb von dreißig Tagen' 'bezahlt werden. Bitte überweisen Sie den Betrag' 'auf das angegebene Konto der Gesellschaft.'
lang fr.png 'La facture a été envoyée lundi à nos clients' 'et doit être payée dans un délai de trente jours.' 'Veuillez virer le montant sur le compte indiqué' 'de la société avant la fin du mois prochain.'
lang nl.png 'De factuur is maandag naar onze klanten gestuurd' 'en moet binnen dertig dagen worden betaald.' 'Gelieve het bedrag over te maken naar de' 'rekening van het bedrijf die hieronder staat.'
lang es.png 'La factura fue enviada el lunes a nuestros' 'clientes y debe pagarse en un plazo de treinta' 'días. Por favor transfiera el importe a la' 'cuenta indicada de la empresa antes del viernes.'
lang it.png 'La fattura è stata inviata lunedì ai nostri' 'clienti e deve essere pagata entro trenta giorni.' 'Si prega di versare l’importo sul conto indicato' 'della società entro la fine del mese prossimo.'

# --- no resolution tag: 12 pt text drawn as at 200 dpi (33 px em), no pHYs chunk.
convert -size 1100x330 xc:white -font $font -pointsize 33 -fill black \
  -annotate +40+70 'The quick brown fox jumps over the lazy dog.' \
  -annotate +40+140 'Seven wizards count the boxes near the river.' \
  -annotate +40+210 'Every morning the baker sells fresh bread.' \
  -strip -define png:exclude-chunk=pHYs nodpi.png

# --- known positions: baselines at y=120 and y=240, words start at x=100 and x=600.
convert -size 1000x300 xc:white -font $font -pointsize 60 -fill black \
  -annotate +100+120 'HOUSE' -annotate +600+120 'WATER' -annotate +100+240 'MONTH' \
  -annotate +600+240 'EARTH' -density 300 -units PixelsPerInch boxes.png

# --- no text: random noise, and a blank page.
convert -size 800x300 xc:gray50 -seed 7 +noise Random -colorspace Gray -threshold 60% \
  -density 300 -units PixelsPerInch noise.png
convert -size 800x300 xc:white -density 300 -units PixelsPerInch blank.png

# --- travel documents: the ICAO 9303 specimens' MRZs in OCR-B under a visual zone in DejaVu Sans
# (a TD3 passport, the same slightly blurred with noise, and a TD1 ID card).
ocrb=/usr/share/fonts/opentype/ocr-b/OCRB.otf
convert -size 1250x700 xc:gray92 -font $font -fill black -pointsize 30 -annotate +40+60 'PASSPORT  PASSEPORT' \
  -pointsize 22 -annotate +380+130 'Surname / Nom' -pointsize 30 -annotate +380+165 'ERIKSSON' \
  -pointsize 22 -annotate +380+215 'Given names / Prenoms' -pointsize 30 -annotate +380+250 'ANNA MARIA' \
  -pointsize 22 -annotate +380+300 'Date of birth' -pointsize 30 -annotate +380+335 '12 AUG 1974' \
  -pointsize 22 -annotate +380+385 'Passport No.' -pointsize 30 -annotate +380+420 'L898902C3' \
  -font $ocrb -pointsize 38 -annotate +40+590 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' \
  -annotate +40+650 'L898902C36UTO7408122F1204159ZE184226B<<<<<10' \
  -density 300 -units PixelsPerInch mrz-td3.png
convert mrz-td3.png -blur 0x1.2 -seed 3 -attenuate 0.4 +noise Gaussian -colorspace Gray mrz-td3-noisy.png
convert -size 1000x420 xc:white -font $font -fill black -pointsize 28 -annotate +40+50 'IDENTITY CARD' \
  -font $ocrb -pointsize 40 -annotate +40+250 'I<UTOD231458907<<<<<<<<<<<<<<<' \
  -annotate +40+310 '7408122F1204159UTO<<<<<<<<<<<6' -annotate +40+370 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<' \
  -density 300 -units PixelsPerInch mrz-td1.png

rm -f base.png base-alpha.png
touch .complete
