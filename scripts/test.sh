#!/usr/bin/env bash
# `npm test`: type-check and lint, alongside the unit and integration jest projects (the default
# configuration's e2e apply included). `npm run test:slow` (--slow): the slow project only, the
# suites whose floor is the provider's fixed waits (SLOW in jest.config.js). `.ci/run` runs both.
# `npm run test:e2e` (--e2e): every e2e configuration and the emulator's own tests, from both projects.
# Checks the external tools first and says exactly how to get a missing one.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=test
case "${1:-}" in
  --slow | --e2e)
    mode=${1#--}
    shift
    ;;
esac

# Python test tools (cfn-lint, moto_server): use the machine's, else a project-local venv.
if [ -x .venv/bin/cfn-lint ]; then export PATH="$PWD/.venv/bin:$PATH"; fi
need_py=()
command -v cfn-lint >/dev/null 2>&1 || need_py+=("cfn-lint==1.51.*")
command -v moto_server >/dev/null 2>&1 || need_py+=("moto[server]==5.2.*")
# The AWS CLI v1 the deploy:cloudformation test runs for real (its test fails on another version).
command -v aws >/dev/null 2>&1 || need_py+=("awscli==1.45.*")
if [ ${#need_py[@]} -gt 0 ]; then
  echo "test: installing ${need_py[*]} into .venv (project-local)" >&2
  if python3 -m venv .venv >/dev/null 2>&1 && .venv/bin/pip install --quiet "${need_py[@]}" >&2; then
    export PATH="$PWD/.venv/bin:$PATH"
  else
    echo "test: could not install the Python test tools. Fix: python3 -m pip install 'cfn-lint==1.51.*' 'moto[server]==5.2.*' 'awscli==1.45.*'" >&2
    exit 1
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "test: terraform is not on PATH. Fix: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)" >&2
  exit 1
fi
# Offline provider installs: point TF_PROVIDER_MIRROR at a filesystem mirror of hashicorp/aws 5.100.0.
if [ -z "${TF_PROVIDER_MIRROR:-}" ]; then
  for candidate in /opt/tf-plugins "$HOME/.terraform.d/plugins"; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws/5.100.0" ]; then export TF_PROVIDER_MIRROR="$candidate"; break; fi
  done
fi
if [ -z "${TF_PROVIDER_MIRROR:-}" ]; then
  echo "test: WARNING no provider mirror found; the offline terraform validate test will be skipped (set TF_PROVIDER_MIRROR)" >&2
fi

results=$(mktemp --suffix=.json)
status=0
if [ "$mode" = slow ]; then
  npx jest --ci --selectProjects slow --json --outputFile="$results" "$@" || status=$?
elif [ "$mode" = e2e ]; then
  npx jest --ci --selectProjects integration slow --json --outputFile="$results" "$@" __tests__/e2e __tests__/emulator ||
    status=$?
else
  # tsc and eslint run beside jest, not before it: the e2e apply, which mostly waits on the
  # provider, starts at once, and the two cores stay busy while it waits. At a lower priority: they
  # have minutes to finish in, and take the CPU the tests leave (the e2e's waits) rather than slow
  # the e2e, which sets the pace.
  checks=$(mktemp -d)
  nice -n 10 npm run --silent typecheck >"$checks/typecheck" 2>&1 &
  typecheck=$!
  nice -n 10 npm run --silent lint >"$checks/lint" 2>&1 &
  lint=$!
  # One worker per core, and one more for the e2e: it holds a worker for about three minutes and
  # mostly waits on the provider (55 s on the S3 lifecycle configurations alone), and with one worker
  # per core the other core sat out those waits. The handler tests' call deadlines (lambda.int) used to
  # time out with the extra worker; moto now copies a table once per transaction, not once per item,
  # and they pass (docs/TESTS.md, "How npm test fits in 4 minutes").
  workers=$(($(nproc) + 1))
  npx jest --ci --selectProjects unit integration --maxWorkers="$workers" --json --outputFile="$results" "$@" ||
    status=$?
  for check in typecheck lint; do
    if ! wait "${!check}"; then
      echo "test: npm run $check failed:" >&2
      cat "$checks/$check" >&2
      status=1
    fi
  done
  rm -rf "$checks"
fi
# One plain closing line, whatever reads the log: "N passed, N failed".
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$results" || status=1
rm -f "$results"
exit "$status"
