import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import { StateBackendConfig } from './config';

/**
 * Chooses where Terraform state lives. Local by default (cdktf's embedded default), S3
 * with locking, or Terraform Cloud. State can hold secrets, so the S3 backend always
 * encrypts and never shares a lock-free path.
 */
export function configureStateBackend(stack: TerraformStack, state: StateBackendConfig, stackName: string): void {
  switch (state.kind) {
    case 'local':
      new LocalBackend(stack, { path: `terraform.${stackName}.tfstate` });
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
      new CloudBackend(stack, {
        hostname: state.hostname,
        organization: state.organization,
        workspaces: new NamedCloudWorkspace(state.workspace),
      });
      return;
  }
}
