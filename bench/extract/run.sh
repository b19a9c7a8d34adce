#!/usr/bin/env bash
# Extraction, as a bench/run module (see bench/lib.sh): on one generated corpus, in alternating
# order, repeated rounds:
#   - native PDF text: the helper alone, and the whole pipeline (upload -> workers -> stored
#     result), against a shell loop of pdftotext;
#   - OCR of 300-dpi pages: the helper alone (1 and 2 processes) and the whole pipeline (2
#     workers), against the tesseract CLI with default threading and with OMP_THREAD_LIMIT=1;
#   - one-page text PDFs end to end (2 workers);
# each through the zygote (docextract.helper_mode = zygote, the default; zygote_drive.py outside
# the server) and with one helper process per document (spawn), plus the memory of one
# document's process either way (smaps_rollup: Rss, Pss, shared and private pages).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
helper=${DOCEXTRACT_HELPER:-$PG_BINDIR/docextract-extract}
work=$BENCH_WORK
drive="python3 $here/zygote_drive.py"
if [ "$BENCH_MODE" = full ]; then pdf_docs=40 ocr_pages=12 rounds=5 one_docs=200; else pdf_docs=10 ocr_pages=4 rounds=3 one_docs=60; fi
rounds=${EXTRACT_ROUNDS:-$rounds}
pages_per_pdf=5
pdf_pages=$((pdf_docs * pages_per_pdf))

# Corpus: multi-page text PDFs, and 300-dpi gray page images rendered from them.
lorem="Docextract turns uploaded documents into searchable text inside PostgreSQL. Each page of this"
lorem="$lorem benchmark corpus carries a few paragraphs of ordinary prose so that both the native"
lorem="$lorem text layer and the OCR engine have realistic work to do on every single page."
mkdir -p "$work/pdf" "$work/ocr" "$work/one"
for d in $(seq 1 "$pdf_docs"); do
  for p in $(seq 1 $pages_per_pdf); do
    printf '.NH\nSection %d.%d\n' "$d" "$p"
    for k in 1 2 3 4 5 6; do printf '.PP\n%s Paragraph %d.\n' "$lorem" "$k"; done
    if [ "$p" -lt $pages_per_pdf ]; then printf '.bp\n'; fi
  done | groff -ms -Tpdf > "$work/pdf/doc$(printf %03d "$d").pdf"
done
# One-page text PDFs, each different (the upload deduplicates identical bytes).
for d in $(seq 1 "$one_docs"); do
  printf '.LP\nOne-page document %d: %s\n' "$d" "$lorem" | groff -ms -Tpdf > "$work/one/one$(printf %04d "$d").pdf"
done
n=0
for d in $(seq 1 "$pdf_docs"); do
  for p in $(seq 1 $pages_per_pdf); do
    n=$((n + 1)); [ $n -gt "$ocr_pages" ] && break 2
    gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=pnggray -r300 -dFirstPage=$p -dLastPage=$p \
      -o "$work/ocr/page$(printf %03d $n).png" "$work/pdf/doc$(printf %03d "$d").pdf"
  done
done

now() { date +%s.%N; }
# Seconds taken by "$@" run once per file of a directory, $par at a time ({} is the file).
timed_loop() {  # par dir command...
  local par=$1 dir=$2; shift 2
  local start; start=$(now)
  ls "$dir"/* | xargs -P "$par" -I{} sh -c "$*"
  echo "$(now) - $start" | bc
}
# Seconds from the first upload to the last stored result, with 2 in-server workers, the helper
# run as docextract.helper_mode says (zygote or spawn).
uploaded=0
pipeline() {  # dir format helper_mode
  local dir=$1 fmt=$2 mode=$3 start
  bench_set docextract.helper_mode "$mode"
  bench_psql -c "SET client_min_messages = warning" -c "TRUNCATE docextract.documents CASCADE" >/dev/null
  # Warm-up, untimed: the workers see the new mode (and start their zygotes) on these.
  for k in 1 2 3 4; do
    uploaded=$((uploaded + 1))
    printf "SELECT docextract.upload('warm%d.pdf', decode('%s', 'hex'));\n" "$uploaded" \
      "$( (cat "$work/one/one0001.pdf"; echo "%warm $uploaded") | xxd -p | tr -d '\n')"
  done | bench_psql >/dev/null
  until [ "$(bench_psql -Atc "SELECT count(*) FROM docextract.extraction_jobs
                               WHERE status IN ('pending', 'processing')")" = 0 ]; do
    sleep 0.02
  done
  bench_psql -c "SET client_min_messages = warning" -c "TRUNCATE docextract.documents CASCADE" >/dev/null
  # The statements are written before the clock starts: the shell loop's cost is not docextract's.
  for f in "$dir"/*; do
    printf "SELECT docextract.upload('%s', decode('%s', 'hex'));\n" \
      "$(basename "$f")" "$(xxd -p "$f" | tr -d '\n')"
  done > "$work/upload.sql"
  start=$(now)
  bench_psql -f "$work/upload.sql" >/dev/null
  until [ "$(bench_psql -Atc "SELECT count(*) FROM docextract.extraction_jobs
                               WHERE status IN ('pending', 'processing')")" = 0 ]; do
    sleep 0.02
  done
  local end; end=$(now)
  local bad; bad=$(bench_psql -Atc "SELECT count(*) FROM docextract.extraction_jobs WHERE status <> 'completed'")
  [ "$bad" = 0 ] || { echo "extract bench: $bad job(s) did not complete" >&2; exit 1; }
  echo "$end - $start" | bc
}
# Peak RSS (KB) of one run of a command under /usr/bin/time.
peak_rss() { /usr/bin/time -f %M -o "$work/rss" sh -c "$*" >/dev/null 2>&1; cat "$work/rss"; }

bench_set docextract.workers_per_database 2
declare -A t
names="helper_pdf pdftotext pipeline_pdf helper_ocr_1 helper_ocr_2 tesseract_default tesseract_omp1_1 tesseract_omp1_2 pipeline_ocr
  helper_pdf_zygote helper_ocr_zygote_1 helper_ocr_zygote_2 pipeline_pdf_spawn pipeline_ocr_spawn one_page_zygote one_page_spawn"
for r in $(seq 1 "$rounds"); do
  # Rotate the order each round so that no tool always runs first (or last) on a noisy machine.
  set -- $names
  for _ in $(seq 2 "$r"); do set -- "${@:2}" "$1"; done
  for name in "$@"; do
    case $name in
      helper_pdf) s=$(timed_loop 1 "$work/pdf" "env -i OMP_THREAD_LIMIT=1 $helper --format pdf --max-ocr-pages 0 < {} > /dev/null") ;;
      pdftotext) s=$(timed_loop 1 "$work/pdf" "pdftotext {} /dev/null") ;;
      pipeline_pdf) s=$(pipeline "$work/pdf" pdf zygote) ;;
      pipeline_pdf_spawn) s=$(pipeline "$work/pdf" pdf spawn) ;;
      one_page_zygote) s=$(pipeline "$work/one" pdf zygote) ;;
      one_page_spawn) s=$(pipeline "$work/one" pdf spawn) ;;
      helper_pdf_zygote) s=$($drive time "$helper" zygote 1 pdf "$work/pdf") ;;
      helper_ocr_zygote_1) s=$($drive time "$helper" zygote 1 png "$work/ocr") ;;
      helper_ocr_zygote_2) s=$($drive time "$helper" zygote 2 png "$work/ocr") ;;
      helper_ocr_1) s=$(timed_loop 1 "$work/ocr" "env -i OMP_THREAD_LIMIT=1 $helper --format png < {} > /dev/null") ;;
      helper_ocr_2) s=$(timed_loop 2 "$work/ocr" "env -i OMP_THREAD_LIMIT=1 $helper --format png < {} > /dev/null") ;;
      tesseract_default) s=$(timed_loop 1 "$work/ocr" "tesseract {} - > /dev/null 2>&1") ;;
      tesseract_omp1_1) s=$(timed_loop 1 "$work/ocr" "OMP_THREAD_LIMIT=1 tesseract {} - > /dev/null 2>&1") ;;
      tesseract_omp1_2) s=$(timed_loop 2 "$work/ocr" "OMP_THREAD_LIMIT=1 tesseract {} - > /dev/null 2>&1") ;;
      pipeline_ocr) s=$(pipeline "$work/ocr" png zygote) ;;
      pipeline_ocr_spawn) s=$(pipeline "$work/ocr" png spawn) ;;
    esac
    t[$name]="${t[$name]:-} $s"
    echo "  round $r $name ${s}s" >&2
  done
done
bench_psql -c "SET client_min_messages = warning" -c "TRUNCATE docextract.documents CASCADE" >/dev/null
bench_set docextract.workers_per_database 0
bench_set docextract.helper_mode zygote

rates() {  # pages name -> pages/s of each run
  for s in ${t[$2]}; do echo "scale=3; $1 / $s" | bc; done
}
one_pdf=$(ls "$work"/pdf/* | head -1)
one_png=$(ls "$work"/ocr/* | head -1)
corpus="{\"pdf_pages\": $pdf_pages, \"pdf_docs\": $pdf_docs, \"ocr_pages\": $ocr_pages, \"ocr_dpi\": 300, \"rounds\": $rounds"
{
  bench_measurement pdftotext_loop "pages/s" higher $(rates $pdf_pages pdftotext) -- \
    "{\"processes\": 1, \"corpus\": $corpus}, \"note\": \"a shell loop of pdftotext over the corpus ($(pdftotext -v 2>&1 | head -1))\"}"
  bench_measurement helper_pdf "pages/s" higher $(rates $pdf_pages helper_pdf) -- \
    "{\"processes\": 1, \"compare_to\": \"pdftotext_loop\", \"target_ratio\": 1.0}"
  bench_measurement helper_pdf_zygote "pages/s" higher $(rates $pdf_pages helper_pdf_zygote) -- \
    "{\"processes\": 1, \"compare_to\": \"pdftotext_loop\", \"target_ratio\": 1.2, \"note\": \"one zygote (docextract-extract --zygote, driven by bench/extract/zygote_drive.py), one forked sandboxed child per PDF\"}"
  bench_measurement pipeline_pdf "pages/s" higher $(rates $pdf_pages pipeline_pdf) -- \
    "{\"workers\": 2, \"helper_mode\": \"zygote\", \"compare_to\": \"pdftotext_loop\", \"target_ratio\": 1.5, \"note\": \"upload() of every PDF through psql until the last result is stored, 2 in-server workers; pdftotext runs 1 process\"}"
  bench_measurement pipeline_pdf_spawn "pages/s" higher $(rates $pdf_pages pipeline_pdf_spawn) -- \
    "{\"workers\": 2, \"helper_mode\": \"spawn\", \"compare_to\": \"pdftotext_loop\", \"note\": \"as pipeline_pdf, one helper process per document\"}"
  bench_measurement one_page_spawn "docs/s" higher $(rates $one_docs one_page_spawn) -- \
    "{\"workers\": 2, \"helper_mode\": \"spawn\", \"documents\": $one_docs, \"note\": \"one-page text PDFs, upload() through psql until the last result is stored, one helper process per document (the mode before the zygote)\"}"
  bench_measurement one_page_zygote "docs/s" higher $(rates $one_docs one_page_zygote) -- \
    "{\"workers\": 2, \"helper_mode\": \"zygote\", \"documents\": $one_docs, \"compare_to\": \"one_page_spawn\", \"target_ratio\": 3.0}"
  bench_measurement tesseract_default "pages/s" higher $(rates $ocr_pages tesseract_default) -- \
    "{\"processes\": 1, \"note\": \"tesseract CLI, default OpenMP threading ($(tesseract --version 2>&1 | head -1))\"}"
  bench_measurement tesseract_omp1_1 "pages/s" higher $(rates $ocr_pages tesseract_omp1_1) -- \
    "{\"processes\": 1, \"env\": \"OMP_THREAD_LIMIT=1\"}"
  bench_measurement tesseract_omp1_2 "pages/s" higher $(rates $ocr_pages tesseract_omp1_2) -- \
    "{\"processes\": 2, \"env\": \"OMP_THREAD_LIMIT=1\"}"
  bench_measurement helper_ocr_1 "pages/s" higher $(rates $ocr_pages helper_ocr_1) -- \
    "{\"processes\": 1, \"compare_to\": \"tesseract_omp1_1\", \"target_ratio\": 1.2}"
  bench_measurement helper_ocr_2_vs_default "pages/s" higher $(rates $ocr_pages helper_ocr_2) -- \
    "{\"processes\": 2, \"compare_to\": \"tesseract_default\", \"target_ratio\": 4.0}"
  bench_measurement helper_ocr_2 "pages/s" higher $(rates $ocr_pages helper_ocr_2) -- \
    "{\"processes\": 2, \"compare_to\": \"tesseract_omp1_2\", \"target_ratio\": 1.2}"
  bench_measurement helper_ocr_zygote_1 "pages/s" higher $(rates $ocr_pages helper_ocr_zygote_1) -- \
    "{\"processes\": 1, \"compare_to\": \"tesseract_omp1_1\", \"target_ratio\": 1.5, \"note\": \"one zygote, one forked child per page\"}"
  bench_measurement helper_ocr_zygote_2 "pages/s" higher $(rates $ocr_pages helper_ocr_zygote_2) -- \
    "{\"processes\": 2, \"compare_to\": \"tesseract_omp1_2\", \"target_ratio\": 1.5, \"note\": \"two zygotes, one forked child per page\"}"
  bench_measurement pipeline_ocr "pages/s" higher $(rates $ocr_pages pipeline_ocr) -- \
    "{\"workers\": 2, \"helper_mode\": \"zygote\", \"compare_to\": \"tesseract_omp1_2\", \"target_ratio\": 1.5, \"note\": \"upload() of 300-dpi PNG pages until the last OCR result is stored, 2 in-server workers\"}"
  bench_measurement pipeline_ocr_spawn "pages/s" higher $(rates $ocr_pages pipeline_ocr_spawn) -- \
    "{\"workers\": 2, \"helper_mode\": \"spawn\", \"compare_to\": \"tesseract_omp1_2\", \"note\": \"as pipeline_ocr, one helper process per document\"}"
  bench_measurement peak_rss_helper_pdf MB lower "$(echo "scale=1; $(peak_rss "env -i $helper --format pdf < $one_pdf") / 1024" | bc)" -- '{}'
  bench_measurement peak_rss_pdftotext MB lower "$(echo "scale=1; $(peak_rss "pdftotext $one_pdf /dev/null") / 1024" | bc)" -- '{}'
  bench_measurement peak_rss_helper_ocr MB lower "$(echo "scale=1; $(peak_rss "env -i OMP_THREAD_LIMIT=1 $helper --format png < $one_png") / 1024" | bc)" -- '{}'
  bench_measurement peak_rss_tesseract MB lower "$(echo "scale=1; $(peak_rss "tesseract $one_png -") / 1024" | bc)" -- '{}'
  # Memory of the process that parses one document: a zygote's child shares the zygote's pages
  # (libraries, tesseract's models) copy-on-write; a one-shot helper maps its own.
  for kind in pdf ocr; do
    fmt=pdf; [ $kind = ocr ] && fmt=png
    for mode in zygote spawn; do
      $drive memory "$helper" $mode $fmt "$work/$kind" > "$work/mem-$kind-$mode"
      for key in rss pss shared private; do
        v=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['${key}_kib'] / 1024, 1))" "$work/mem-$kind-$mode")
        bench_measurement "child_${key}_${kind}_${mode}" MiB lower "$v" -- \
          "{\"helper_mode\": \"$mode\", \"note\": \"smaps_rollup $key of the process parsing one document of the $kind corpus, at its peak Rss (sampled every 5 ms), median over the documents\"}"
      done
    done
    for key in rss pss; do
      v=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['zygote_${key}_kib'] / 1024, 1))" "$work/mem-$kind-zygote")
      bench_measurement "zygote_${key}_after_${kind}" MiB lower "$v" -- \
        "{\"note\": \"smaps_rollup $key of the zygote itself (pid 1 of its namespace) after the $kind corpus\"}"
    done
  done
  # The document model's own costs: the barcode scan and the stored result, per page.
  for kind in pdf ocr; do
    fmt=pdf; [ $kind = ocr ] && fmt=png
    for f in "$work/$kind"/*; do
      env -i OMP_THREAD_LIMIT=1 $helper --format $fmt < "$f"; echo
    done | python3 -c '
import json, sys
pages = ms = size = 0
for line in sys.stdin:
    if not line.strip(): continue
    r = json.loads(line)
    pages += len(r["pages"]); ms += r["timings_ms"].get("barcodes", 0); size += len(line)
print(ms / pages, size / pages / 1024)' > "$work/model-$kind"
    read -r ms kb < "$work/model-$kind"
    bench_measurement "barcode_scan_ms_per_page_$kind" ms lower "$ms" -- \
      "{\"note\": \"timings_ms.barcodes of the helper, per page of the $kind corpus\"}"
    bench_measurement "result_kib_per_page_$kind" KiB lower "$kb" -- \
      "{\"note\": \"size of the helper's JSON result (words, lines, barcodes, ...) per page of the $kind corpus\"}"
  done
} | bench_write extract
