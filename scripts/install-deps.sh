#!/usr/bin/env bash
# Installs every Debian 12 package that docextract's build, tests and demo need. Idempotent: when
# everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 libpq-dev
  libmagic-dev libpoppler-cpp-dev libtesseract-dev libleptonica-dev libseccomp-dev
  nlohmann-json3-dev libzxing-dev libcld2-dev libtiff-dev libpoppler-private-dev
  # extraction data: OCR languages and orientation/script detection
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-deu tesseract-ocr-fra
  tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita
  # tests: GoogleTest, the TAP harness, fixture generators, libFuzzer
  googletest libgtest-dev libipc-run-perl
  imagemagick ghostscript groff img2pdf webp libtiff-tools poppler-utils qpdf
  qrencode zint python3-reportlab fonts-ocr-b fonts-dejavu-core
  clang libclang-rt-14-dev python3
  # tests: TLS certificates (014, 021), a veth pair between network namespaces (021)
  openssl iproute2
  # the client examples (docs/clients.md) and the package test (debian/)
  python3-psycopg debhelper postgresql-server-dev-all dpkg-dev fakeroot pgbouncer
  # benchmarks
  time bc hyperfine gnuplot-nox
)

# The node-postgres example needs Node.js; a machine that has one (from anywhere) keeps it.
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: missing packages and not root: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
