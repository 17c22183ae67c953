#!/usr/bin/env bash
# Writes the seed corpus of the checkpoint target, Fuzz/corpus/checkpoint/: tiny checkpoints that
# `saddle train` wrote (the target builds only small configurations), one per method and a few
# data sets and regularizers, and one of format 2 when an older saddle binary is given.
# Usage: Fuzz/make-checkpoint-corpus.sh [saddle binary] [format-2 saddle binary]
set -euo pipefail
cd "$(dirname "$0")/.."
saddle=${1:-.build/release/saddle}
out=Fuzz/corpus/checkpoint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'hidden: 8\nlatent: 4\nbatch_size: 16\nevaluation_samples: 64\niterations: 2\ncheckpoint_every: 2\nlog_every: 2\nshards: 2\n' > "$work/c.yaml"
make() {  # name, extra flags
  local name=$1; shift
  "$saddle" train --config "$work/c.yaml" --out "$work/$name" --threads 1 "$@" >/dev/null 2>&1
  cp "$work/$name/checkpoints/iteration-00000002.safetensors" "$out/$name.safetensors"
}
make past-extra-adam-ring
for m in fb alternating-gda eg eftp ogda srfb averaged-srfb sgd rmsprop adam extra-adam optimistic-adam mirror-gan mirror-prox-gan; do
  make "$m-ring" --method "$m"
done
make past-extra-adam-grid-wgan-gp --dataset grid --regularizer wgan-gp
make adam-ring-consensus --method adam --regularizer consensus
make eg-ring-clipping --method eg --regularizer clipping
if [ $# -ge 2 ]; then
  grep -v shards "$work/c.yaml" > "$work/c2.yaml"   # format 2 predates the key
  "$2" train --config "$work/c2.yaml" --out "$work/v2" --threads 1 >/dev/null 2>&1 || true
  [ -f "$work/v2/checkpoints/iteration-00000002.safetensors" ] && cp "$work/v2/checkpoints/iteration-00000002.safetensors" "$out/format-2-past-extra-adam-ring.safetensors"
fi
ls -l "$out" | awk '{ s += $5 } END { print NR - 1 " seeds, " s " bytes" }'
