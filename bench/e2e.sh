#!/usr/bin/env bash
# End-to-end benchmark: a generated f16 safetensors model (about 2 GB) converted to a Q8_0 GGUF
# with 1 and 2 threads, next to `cp` of the same file. Prints wall time (JVM start included), MB/s
# of input and the peak resident memory (GNU time) of each run. The input is read once before
# timing, so every run reads from the page cache (as cp does); each run starts after a `sync` and
# is repeated to show the spread. Run it once on a disk folder and once on /dev/shm (tmpfs) to
# separate what the disk costs from what requant costs.
#   bench/e2e.sh [WORK_DIR] [REPEATS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/requant-bench}"
repeats="${2:-3}"
requant="$root/requant"
model="$work/f16"

if [ ! -f "$model/model.safetensors" ]; then
  echo "generating $model (llama-shaped, hidden 4096, 4 layers, vocab 32000, f16)..." >&2
  "$requant" sample "$model" --hidden 4096 --intermediate 11008 --layers 4 --vocab 32000 --type f16 >/dev/null
fi
bytes=$(stat -c %s "$model/model.safetensors")
cat "$model/model.safetensors" > /dev/null

measure() { # label, command...
  local label="$1"; shift
  sync  # earlier runs' dirty pages must not throttle this one
  /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" >/dev/null 2>&1
  local out secs rss
  out=$(tail -1 "$work/time.txt")
  secs=${out% *}
  rss=${out#* }
  awk -v l="$label" -v s="$secs" -v r="$rss" -v b="$bytes" \
    'BEGIN { printf "%-22s %7.2f s  %8.1f MB/s  peak RSS %7.1f MiB\n", l, s, b / s / 1e6, r / 1024 }'
}

echo "input: $model/model.safetensors, $bytes bytes; $(nproc) cores"
for t in 1 2; do
  for i in $(seq "$repeats"); do
    rm -f "$work/q8_0.gguf"
    measure "requant q8_0, $t thread" "$requant" convert "$model" "$work/q8_0.gguf" --type q8_0 --threads "$t"
  done
done
for i in $(seq "$repeats"); do
  rm -f "$work/copy.safetensors"
  measure "cp" cp "$model/model.safetensors" "$work/copy.safetensors"
done
rm -f "$work/copy.safetensors"
