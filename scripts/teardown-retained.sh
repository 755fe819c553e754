#!/usr/bin/env bash
# Tear down a Terraform deployment made with RETAIN_ON_DELETE=true.
#
#   scripts/teardown-retained.sh cdktf.out/stacks/tap-dr-<suffix>
#
# RETAIN_ON_DELETE=true protects the data: `prevent_destroy` on the keys, the table and the
# buckets, deletion protection on the table, and no force_destroy on the versioned buckets, so
# `terraform destroy` refuses. Removing it on purpose takes three steps, all in that folder:
#   1. an override file lifts the protections (Terraform merges *_override.tf.json files into the
#      configuration; a `lifecycle` block merges argument by argument);
#   2. `terraform apply` records that: deletion protection is switched off on the table and its
#      replica (the provider then waits 90 s for the replica setting to propagate) and the buckets
#      get force_destroy (nothing is replaced or destroyed in this step);
#   3. `terraform destroy` removes everything; the buckets are emptied of every object version
#      and delete marker on the way. The KMS keys are scheduled for deletion with the 30-day
#      waiting period the stack set: until then `aws kms cancel-key-deletion` brings them back.
# The override file is removed at the end (and if a step fails, so the folder is as it was).
# Extra arguments are passed to both terraform commands (e.g. -lock=false).
set -euo pipefail
dir=${1:?usage: scripts/teardown-retained.sh STACK_DIR [terraform args...]}
shift
cd "$dir"
override=teardown_override.tf.json
trap 'rm -f "$override"' EXIT

node - "$override" <<'EOF'
const fs = require('fs');
const stack = JSON.parse(fs.readFileSync('cdk.tf.json', 'utf8'));
const resource = {};
for (const [type, byName] of Object.entries(stack.resource ?? {})) {
  for (const [name, r] of Object.entries(byName)) {
    const o = {};
    if (r.lifecycle && r.lifecycle.prevent_destroy) o.lifecycle = { prevent_destroy: false };
    if (/^aws_dynamodb_table(_replica)?$/.test(type) && r.deletion_protection_enabled) o.deletion_protection_enabled = false;
    if (type === 'aws_s3_bucket' && !r.force_destroy) o.force_destroy = true;
    if (Object.keys(o).length) (resource[type] ??= {})[name] = o;
  }
}
fs.writeFileSync(process.argv[2], JSON.stringify({ resource }, null, 2));
const n = Object.values(resource).reduce((k, v) => k + Object.keys(v).length, 0);
console.error(`teardown: lifting the protections of ${n} resources (${process.argv[2]})`);
EOF

terraform apply -auto-approve -input=false "$@"
terraform destroy -auto-approve -input=false "$@"
