#!/usr/bin/env bash
# `npm run deploy [-- <terraform apply args>]`: synthesize, then plain terraform init/apply
# in the stack directory, exactly what a Terraform Cloud or CI run does.
set -euo pipefail
cd "$(dirname "$0")/.."
stack_dir=$(node --require tsx/cjs main.ts --only terraform 2>&1 >/dev/null | tee /dev/stderr | sed -n 's/^terraform stack: //p')
[ -n "$stack_dir" ] || { echo "deploy: synth did not report a stack directory" >&2; exit 1; }
cd "$stack_dir"
terraform init -input=false
terraform apply "$@"
