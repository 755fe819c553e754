#!/usr/bin/env bash
# `npm run deploy:cloudformation`: the CloudFormation deliverable's deploy order (docs/CLOUDFORMATION.md),
# with the AWS CLI. Each template takes what the other
# exports, so the secondary stack is deployed first and updated last:
#
#   1. synth         validates the configuration (nothing is deployed on a bad value) and writes
#                    the templates; regions and suffix are read back from their parameter defaults
#   2. package       the secondary template's bundle, into an artifacts bucket in the secondary region
#   3. deploy        TapStack-secondary.json: the secondary key and the standby tier (no failback yet)
#   4. package       the primary template's bundle, into an artifacts bucket in the primary region
#   5. deploy        TapStack.json with the secondary's outputs: the table replica under the
#                    secondary key, documents replicating into the standby bucket
#   6. update        TapStack-secondary.json with the primary's outputs: failback replication and
#                    the standby's watch on the primary's heartbeat
#
# Required: TAP_CFN_ARTIFACTS_PRIMARY, TAP_CFN_ARTIFACTS_SECONDARY (buckets you own, one per
# region: Lambda reads code only from its own region). Optional: TAP_CFN_DEPLOY_TIMEOUT
# (seconds per stack deploy, default 3600: a global table replica takes a while) and
# TAP_CFN_CALL_TIMEOUT (every other call, default 300). Re-running is safe: an unchanged stack
# is not an error, and a parameter a step does not pass keeps the stack's current value.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

log() { printf 'deploy:cloudformation: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
step() { log "step $1/6: $2"; }

missing=()
[ -n "${TAP_CFN_ARTIFACTS_PRIMARY:-}" ] || missing+=(TAP_CFN_ARTIFACTS_PRIMARY)
[ -n "${TAP_CFN_ARTIFACTS_SECONDARY:-}" ] || missing+=(TAP_CFN_ARTIFACTS_SECONDARY)
if [ ${#missing[@]} -gt 0 ]; then
  die "set ${missing[*]}: an S3 bucket you own in each region, where the package steps upload the bundle (nothing was deployed)"
fi
deploy_timeout=${TAP_CFN_DEPLOY_TIMEOUT:-3600}
call_timeout=${TAP_CFN_CALL_TIMEOUT:-300}

# Every AWS call goes through here: printed, and bounded.
aws_call() {
  local limit=$1
  shift
  log "+ aws $*"
  timeout "$limit" aws "$@"
}

step 1 "synth the templates"
outdir=${CDKTF_OUTDIR:-cdktf.out}
timeout "$call_timeout" node --require tsx/cjs main.ts --only cloudformation
dir="$outdir/cloudformation"
default_of() {
  node -e 'const t = require(require("path").resolve(process.argv[1])); process.stdout.write(String(t.Parameters[process.argv[2]].Default))' "$dir/$1" "$2"
}
suffix=$(default_of TapStack.json EnvironmentSuffix)
primary_region=$(default_of TapStack-secondary.json PrimaryRegion)
secondary_region=$(default_of TapStack.json SecondaryRegion)
# Stack names come from src/naming.ts, like every other name.
stack_name() {
  timeout "$call_timeout" node --require tsx/cjs -e \
    'process.stdout.write(require("./src/naming").names.cfnStack({ suffix: process.argv[1] }, process.argv[2]))' \
    "$suffix" "$1"
}
primary_stack=$(stack_name primary)
secondary_stack=$(stack_name secondary)
log "primary $primary_stack in $primary_region, secondary $secondary_stack in $secondary_region"

# One output of a deployed stack; empty when the stack does not export it (e.g. StandbyTier=false).
output_of() {
  local value
  value=$(aws_call "$call_timeout" cloudformation describe-stacks --region "$1" --stack-name "$2" \
    --query "Stacks[0].Outputs[?OutputKey=='$3'].OutputValue | [0]" --output text)
  [ "$value" = "None" ] && value=""
  printf '%s' "$value"
}

package() {
  aws_call "$call_timeout" cloudformation package --region "$1" --template-file "$dir/$2.json" \
    --s3-bucket "$3" --s3-prefix "$primary_stack" --use-json --output-template-file "$dir/$2.packaged.json"
}

# The packaged templates are over the 51,200 bytes `deploy` accepts inline, so it uploads them to
# the region's artifacts bucket (--s3-bucket) and CloudFormation reads them from there.
deploy() {
  local region=$1 template=$2 stack=$3 bucket=$4
  shift 4
  aws_call "$deploy_timeout" cloudformation deploy --region "$region" --template-file "$dir/$template.packaged.json" \
    --stack-name "$stack" --s3-bucket "$bucket" --s3-prefix "$primary_stack" \
    --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "EnvironmentSuffix=$suffix" "$@"
}

step 2 "package TapStack-secondary.json into s3://$TAP_CFN_ARTIFACTS_SECONDARY ($secondary_region)"
package "$secondary_region" TapStack-secondary "$TAP_CFN_ARTIFACTS_SECONDARY"

step 3 "deploy $secondary_stack: the secondary key and the standby tier"
deploy "$secondary_region" TapStack-secondary "$secondary_stack" "$TAP_CFN_ARTIFACTS_SECONDARY"
secondary_key=$(output_of "$secondary_region" "$secondary_stack" SecondaryKMSKeyArn)
standby_bucket=$(output_of "$secondary_region" "$secondary_stack" SecondaryS3BucketName)
[ -n "$secondary_key" ] || die "$secondary_stack exports no SecondaryKMSKeyArn"

step 4 "package TapStack.json into s3://$TAP_CFN_ARTIFACTS_PRIMARY ($primary_region)"
package "$primary_region" TapStack "$TAP_CFN_ARTIFACTS_PRIMARY"

step 5 "deploy $primary_stack with the secondary's key${standby_bucket:+ and standby bucket}"
deploy "$primary_region" TapStack "$primary_stack" "$TAP_CFN_ARTIFACTS_PRIMARY" \
  "SecondaryKMSKeyArn=$secondary_key" "SecondaryS3BucketName=$standby_bucket"

if [ -z "$standby_bucket" ]; then
  step 6 "skipped: $secondary_stack runs no standby tier (StandbyTier=false), so nothing fails back"
else
  primary_key=$(output_of "$primary_region" "$primary_stack" KMSKeyArn)
  primary_bucket=$(output_of "$primary_region" "$primary_stack" S3BucketName)
  [ -n "$primary_key" ] && [ -n "$primary_bucket" ] || die "$primary_stack exports no KMSKeyArn or S3BucketName"
  step 6 "update $secondary_stack with the primary's outputs: failback replication, the watch on the primary"
  deploy "$secondary_region" TapStack-secondary "$secondary_stack" "$TAP_CFN_ARTIFACTS_SECONDARY" \
    "PrimaryKMSKeyArn=$primary_key" "PrimaryS3BucketName=$primary_bucket"
fi

log "done. Entry points: primary $(output_of "$primary_region" "$primary_stack" PrimaryApiEndpoint)${standby_bucket:+, standby $(output_of "$secondary_region" "$secondary_stack" StandbyApiEndpoint)}"
