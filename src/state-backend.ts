import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import { StateBackendConfig } from './config';

/**
 * Where local state lives, relative to the stack directory (`<outdir>/stacks/<stack>/`, where
 * Terraform runs): beside the output directory, so `<project>/terraform.<stack>.tfstate` for
 * `cdktf.out/`. Never inside it: cdktf-cli deletes every stack directory the current synth did
 * not produce, and state there would go with it. This is where cdktf's own default LocalBackend
 * puts it (the project directory), written relative so cdk.tf.json names no machine's path.
 */
export function localStatePath(stackName: string): string {
  return `../../../terraform.${stackName}.tfstate`;
}

/**
 * Chooses where Terraform state lives. Local by default (outside the output directory), S3
 * with locking, or Terraform Cloud. State can hold secrets, so the S3 backend always
 * encrypts and never shares a lock-free path.
 */
export function configureStateBackend(stack: TerraformStack, state: StateBackendConfig, stackName: string): void {
  switch (state.kind) {
    case 'local':
      new LocalBackend(stack, {
        path: localStatePath(stackName),
        // Non-default workspaces (TF_WORKSPACE) keep their state beside the default one, not under cdktf.out/.
        workspaceDir: `${localStatePath(stackName)}.d`,
      });
      return;
    case 's3': {
      const backend = new S3Backend(stack, {
        bucket: state.bucket,
        key: state.key,
        region: state.region,
        encrypt: true,
        ...(state.lockTable ? { dynamodbTable: state.lockTable } : {}),
      });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21's typed props predate it.
      backend.addOverride('use_lockfile', true);
      return;
    }
    case 'cloud':
      // The values Terraform would read from TF_CLOUD_* and TF_WORKSPACE at init, written down at
      // synth so the stack directory is complete for an uploaded (remote) run.
      new CloudBackend(stack, {
        hostname: state.hostname,
        organization: state.organization,
        workspaces: new NamedCloudWorkspace(state.workspace ?? stackName, state.project),
      });
      return;
  }
}
