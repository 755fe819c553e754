import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Env, serviceTrustPolicy } from '../dialect';
import { processor, processorPolicy, ProcessorRefs, processorVariables } from './spec';
import type { TapConfig } from '../config';
import { splitRolePolicy } from '../keys/role-policies';
import { names, NameParts } from '../naming';
import { encryptedLogGroup } from '../logs/encrypted-log-group';
import { policyJson, tfDialect } from '../tf-support';

export interface TransactionProcessorProps extends ProcessorRefs<string> {
  readonly names: NameParts;
  /** Partition/account and the region this processor runs in. */
  readonly env: Env<string>;
  /** The region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
  /** IAM names are global, so a second region's processor needs its own. */
  readonly roleName: string;
  readonly tableName: string;
  readonly bucketName: string;
  /** The deployment package (src/lambda-bundle.ts) and its base64 SHA-256. */
  readonly archive: { readonly zipFile: string; readonly codeSha256: string };
  /** The tier settings it renders: a new one is added here and in src/config.ts, nowhere between. */
  readonly settings: Pick<TapConfig, 'logRetentionDays' | 'lambdaReservedConcurrency' | 'drCheckPrincipals'>;
}

/**
 * The transaction-processor Lambda with its least-privilege role and its own
 * KMS-encrypted log group.
 */
export class TransactionProcessor extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: TransactionProcessorProps) {
    super(scope, id);

    // Processing logs are an audit trail: stateful like the data they describe.
    const { provider } = props;
    this.logGroup = encryptedLogGroup(this, 'logs', {
      provider,
      name: names.processorLogGroup(props.names),
      retentionInDays: props.settings.logRetentionDays,
      kmsKeyId: props.keyArn,
    });

    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: processor.roleDescription,
      assumeRolePolicy: policyJson(serviceTrustPolicy('lambda.amazonaws.com')),
    });
    const policies = splitRolePolicy(this, {
      name: processor.policyName,
      role: this.role.id,
      policy: processorPolicy(tfDialect, props.env, props.names, props),
      keyArns: [props.keyArn],
    });

    const bundle = new TerraformAsset(this, 'bundle', { path: props.archive.zipFile, type: AssetType.FILE });

    this.function = new LambdaFunction(this, 'function', {
      provider,
      functionName: names.processorFunction(props.names),
      description: processor.description,
      runtime: processor.runtime,
      handler: processor.handler,
      filename: bundle.path,
      // The package's SHA-256, equal to Lambda's CodeSha256 because the archive is
      // reproducible: a code change, and only a code change, redeploys.
      sourceCodeHash: props.archive.codeSha256,
      role: this.role.arn,
      memorySize: processor.memorySize,
      timeout: processor.timeoutSeconds,
      kmsKeyArn: props.keyArn,
      tracingConfig: { mode: processor.tracingMode },
      environment: {
        variables: processorVariables({ ...props, drCheckPrincipals: props.settings.drCheckPrincipals }),
      },
      // Unset by default (seed fix 6: a fixed reservation can exceed the account quota).
      ...(props.settings.lambdaReservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.settings.lambdaReservedConcurrency }
        : {}),
      // The role's permissions and the log group must exist before the first invocation.
      dependsOn: [...policies, this.logGroup],
    });
  }
}
