#!/usr/bin/env bash
# Native-PDF throughput of two helper builds side by side, without a database: the helper-alone
# rows of bench/extract/run.sh (the same corpus: DOCS 5-page groff PDFs of ordinary prose) for
# helper A and helper B, one process per document and through one zygote, against the same
# pdftotext loop, and the CPU time each helper spends (*_cpu: pages per CPU second), ROUNDS
# rounds in rotating order. Prints the pages/s of every run and the
# medians. For a change's cost to the text path before it is merged (bench/run installs into the
# system PostgreSQL; this does not).
#   bench/extract/helper_ab.sh HELPER_A HELPER_B [DOCS [ROUNDS]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
a=$1 b=$2 docs=${3:-40} rounds=${4:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lorem="Docextract turns uploaded documents into searchable text inside PostgreSQL. Each page of this"
lorem="$lorem benchmark corpus carries a few paragraphs of ordinary prose so that both the native"
lorem="$lorem text layer and the OCR engine have realistic work to do on every single page."
mkdir -p "$work/pdf"
for d in $(seq 1 "$docs"); do
  for p in 1 2 3 4 5; do
    printf '.NH\nSection %d.%d\n' "$d" "$p"
    for k in 1 2 3 4 5 6; do printf '.PP\n%s Paragraph %d.\n' "$lorem" "$k"; done
    if [ "$p" -lt 5 ]; then printf '.bp\n'; fi
  done | groff -ms -Tpdf > "$work/pdf/doc$(printf %03d "$d").pdf"
done
pages=$((docs * 5))
now() { date +%s.%N; }
loop() {  # command with {} for the file -> seconds for the corpus, one at a time
  local start; start=$(now)
  ls "$work/pdf"/* | xargs -P 1 -I{} sh -c "$*"
  echo "$(now) - $start" | bc
}
# CPU seconds (user + system, the helper and its sandboxed child) for the corpus, one process per
# document: less sensitive than wall time to the other load of a shared machine.
cpu() {  # helper -> seconds
  /usr/bin/time -f '%U %S' -o "$work/cpu" sh -c \
    "for f in $work/pdf/*; do env -i OMP_THREAD_LIMIT=1 $1 --format pdf --max-ocr-pages 0 < \$f > /dev/null; done"
  awk '{print $1 + $2}' "$work/cpu"
}
declare -A t
names="a_spawn b_spawn pdftotext a_zygote b_zygote a_cpu b_cpu"
for r in $(seq 1 "$rounds"); do
  set -- $names
  for _ in $(seq 2 "$r"); do set -- "${@:2}" "$1"; done
  for name in "$@"; do
    case $name in
      a_spawn) s=$(loop "env -i OMP_THREAD_LIMIT=1 $a --format pdf --max-ocr-pages 0 < {} > /dev/null") ;;
      b_spawn) s=$(loop "env -i OMP_THREAD_LIMIT=1 $b --format pdf --max-ocr-pages 0 < {} > /dev/null") ;;
      pdftotext) s=$(loop "pdftotext {} /dev/null") ;;
      a_zygote) s=$(python3 "$here/zygote_drive.py" time "$a" zygote 1 pdf "$work/pdf") ;;
      b_zygote) s=$(python3 "$here/zygote_drive.py" time "$b" zygote 1 pdf "$work/pdf") ;;
      a_cpu) s=$(cpu "$a") ;;
      b_cpu) s=$(cpu "$b") ;;
    esac
    rate=$(echo "scale=1; $pages / $s" | bc)  # *_cpu: pages per CPU second
    t[$name]="${t[$name]:-} $rate"
    echo "round $r $name $rate pages/s" >&2
  done
done
for name in $names; do
  echo "$name pages/s:${t[$name]} median $(printf '%s\n' ${t[$name]} | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
done
