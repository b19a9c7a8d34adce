#!/bin/bash
# Benchmark of docextract-extract against pdftotext (native PDF text) and the tesseract CLI (OCR,
# default threading and OMP_THREAD_LIMIT=1), on one generated corpus in one run.
# Usage: bench/extract/run.sh [path/to/docextract-extract]   (QUICK=1 for a small corpus)
# Writes bench/results/extract-<date>-<host>.json. Not a test: numbers depend on machine load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
helper=${1:-$here/../../build-extract/src/bin/docextract-extract}
helper=$(readlink -f "$helper")
quick=${QUICK:-0}
pdf_docs=$([ "$quick" = 1 ] && echo 10 || echo 40)
pages_per_pdf=5
ocr_pages=$([ "$quick" = 1 ] && echo 4 || echo 12)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in pdftotext tesseract gs groff /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

# Corpus: text PDFs of several pages, and 300-dpi gray page images rendered from them.
lorem="Docextract turns uploaded documents into searchable text inside PostgreSQL. Each page of this"
lorem="$lorem benchmark corpus carries a few paragraphs of ordinary prose so that both the native"
lorem="$lorem text layer and the OCR engine have realistic work to do on every single page."
for d in $(seq 1 "$pdf_docs"); do
  for p in $(seq 1 $pages_per_pdf); do
    printf '.NH\nSection %d.%d\n' "$d" "$p"
    for k in 1 2 3 4 5 6; do printf '.PP\n%s Paragraph %d.\n' "$lorem" "$k"; done
    if [ "$p" -lt $pages_per_pdf ]; then printf '.bp\n'; fi
  done | groff -ms -Tpdf > "$work/doc$d.pdf"
done
# OCR pages: the first $ocr_pages pages of the corpus, rendered at 300 dpi in gray.
n=0
for d in $(seq 1 "$pdf_docs"); do
  for p in $(seq 1 $pages_per_pdf); do
    n=$((n + 1)); [ $n -gt "$ocr_pages" ] && break 2
    gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pnggray -r300 -dFirstPage=$p -dLastPage=$p \
      -o "$work/page$(printf %02d $n).png" "$work/doc$d.pdf"
  done
done

# Runs "$@" once per input file (placeholder {}), $par at a time; prints "seconds max_rss_kb".
run_set() {
  local par=$1 pattern=$2; shift 2
  rm -f "$work"/rss.*
  local start end
  start=$(date +%s.%N)
  ls "$work"/$pattern | xargs -P "$par" -I{} sh -c "/usr/bin/time -f %M -o \$(mktemp $work/rss.XXXXXX) $*"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(cat "$work"/rss.* | sort -n | tail -1)"
}

pdf_pages=$((pdf_docs * pages_per_pdf))
declare -A secs rss
measure() {  # name par pattern command...
  local name=$1; shift
  read -r s m < <(run_set "$@")
  secs[$name]=$s; rss[$name]=$m
  echo "$name: ${s}s, peak RSS ${m} KB" >&2
}
measure helper_pdf 1 'doc*.pdf' "env -i OMP_THREAD_LIMIT=1 $helper --format pdf --max-ocr-pages 0 < {} > /dev/null"
measure pdftotext 1 'doc*.pdf' "pdftotext {} /dev/null"
measure helper_ocr_p1 1 'page*.png' "env -i OMP_THREAD_LIMIT=1 $helper --format png < {} > /dev/null"
measure helper_ocr_p2 2 'page*.png' "env -i OMP_THREAD_LIMIT=1 $helper --format png < {} > /dev/null"
measure tesseract_default 1 'page*.png' "tesseract {} - > /dev/null 2>&1"
measure tesseract_omp1_p1 1 'page*.png' "env OMP_THREAD_LIMIT=1 tesseract {} - > /dev/null 2>&1"
measure tesseract_omp1_p2 2 'page*.png' "env OMP_THREAD_LIMIT=1 tesseract {} - > /dev/null 2>&1"

rate() { echo "scale=2; $1 / ${secs[$2]}" | bc; }
mkdir -p "$here/../results"
out="$here/../results/extract-$(date -u +%Y%m%d)-$(hostname -s).json"
{
  printf '{\n  "date": "%s",\n  "host": "%s",\n' "$(date -u +%FT%TZ)" "$(hostname -s)"
  printf '  "machine": {"cpus": %s, "cpu": "%s", "mem_mb": %s, "kernel": "%s"},\n' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
    "$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)" "$(uname -r)"
  printf '  "versions": {"tesseract": "%s", "poppler": "%s"},\n' \
    "$(tesseract --version 2>&1 | head -1)" "$(pdftotext -v 2>&1 | head -1)"
  printf '  "corpus": {"pdf_pages": %d, "ocr_pages": %d, "ocr_dpi": 300, "quick": %s},\n' \
    "$pdf_pages" "$ocr_pages" "$quick"
  printf '  "command": "bench/extract/run.sh%s",\n' "$([ "$quick" = 1 ] && echo ' (QUICK=1)')"
  printf '  "results": {\n'
  printf '    "pdf_text_pages_per_s": {"helper": %s, "pdftotext": %s},\n' \
    "$(rate $pdf_pages helper_pdf)" "$(rate $pdf_pages pdftotext)"
  printf '    "ocr_pages_per_s": {"helper_1_process": %s, "helper_2_processes": %s, "tesseract_default": %s, "tesseract_omp1_1_process": %s, "tesseract_omp1_2_processes": %s},\n' \
    "$(rate $ocr_pages helper_ocr_p1)" "$(rate $ocr_pages helper_ocr_p2)" "$(rate $ocr_pages tesseract_default)" \
    "$(rate $ocr_pages tesseract_omp1_p1)" "$(rate $ocr_pages tesseract_omp1_p2)"
  printf '    "peak_rss_kb": {"helper_pdf": %s, "pdftotext": %s, "helper_ocr": %s, "tesseract_default": %s, "tesseract_omp1": %s},\n' \
    "${rss[helper_pdf]}" "${rss[pdftotext]}" "${rss[helper_ocr_p1]}" "${rss[tesseract_default]}" "${rss[tesseract_omp1_p1]}"
  printf '    "seconds": {'
  first=1
  for k in helper_pdf pdftotext helper_ocr_p1 helper_ocr_p2 tesseract_default tesseract_omp1_p1 tesseract_omp1_p2; do
    [ $first = 1 ] || printf ', '; first=0; printf '"%s": %s' "$k" "${secs[$k]}"
  done
  printf '}\n  }\n}\n'
} > "$out"
cat "$out"
