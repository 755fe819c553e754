#!/usr/bin/env bash
# `npm run deploy [-- <terraform apply args>]`: synthesize, then plain terraform init/apply
# in the stack directory, exactly what a CI run does.
#
# Synth's progress (stdout) is captured and echoed, never re-opened by path: `tee /dev/stderr`
# opened the log file afresh at offset 0 when output went to a file, and overwrote its start.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}"
synth=$(node --require tsx/cjs main.ts --only terraform)
printf '%s\n' "$synth"
stack_dir=$(printf '%s\n' "$synth" | sed -n 's/^terraform stack: //p')
[ -n "$stack_dir" ] || { echo "deploy: synth did not report a stack directory" >&2; exit 1; }
cd "$stack_dir"
terraform init -input=false
terraform apply "$@"
