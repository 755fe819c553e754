import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { PolicyDocument, serviceTrustPolicy } from '../dialect';
import { processor } from '../processor/spec';
import { regionalFunction } from './spec';
import type { TapConfig } from '../config';
import { splitRolePolicy } from '../keys/role-policies';
import { names } from '../naming';
import { encryptedLogGroup } from '../logs/encrypted-log-group';
import { policyJson } from '../tf-support';

export interface RegionalFunctionProps {
  readonly provider?: AwsProvider;
  readonly functionName: string;
  readonly description: string;
  /** The export of the one bundle this function runs (index.<handler>). */
  readonly handler: string;
  readonly roleName: string;
  readonly policy: PolicyDocument<string>;
  readonly environment: Record<string, string>;
  /** The region's key: the function's environment and its log group. */
  readonly keyArn: string;
  readonly archive: { readonly zipFile: string; readonly codeSha256: string };
  /** The tier settings it renders: a new one is added here and in src/config.ts, nowhere between. */
  readonly settings: Pick<TapConfig, 'logRetentionDays'>;
}

/**
 * A small function of the regional tier (the heartbeat canary, /health): the same bundle
 * and runtime as the processor, its own least-privilege role, and its own log group under
 * the region's key, created before the first invocation.
 */
export class RegionalFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: RegionalFunctionProps) {
    super(scope, id);
    const { provider } = props;
    const logGroup = encryptedLogGroup(this, 'logs', {
      provider,
      name: names.functionLogGroup(props.functionName),
      retentionInDays: props.settings.logRetentionDays,
      kmsKeyId: props.keyArn,
    });
    const role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyJson(serviceTrustPolicy('lambda.amazonaws.com')),
    });
    const policies = splitRolePolicy(this, {
      name: props.functionName,
      role: role.id,
      policy: props.policy,
      keyArns: [props.keyArn],
    });
    const bundle = new TerraformAsset(this, 'bundle', { path: props.archive.zipFile, type: AssetType.FILE });
    this.function = new LambdaFunction(this, 'function', {
      provider,
      functionName: props.functionName,
      description: props.description,
      runtime: processor.runtime,
      handler: `index.${props.handler}`,
      filename: bundle.path,
      sourceCodeHash: props.archive.codeSha256,
      role: role.arn,
      memorySize: regionalFunction.memorySize,
      timeout: regionalFunction.timeoutSeconds,
      kmsKeyArn: props.keyArn,
      tracingConfig: { mode: processor.tracingMode },
      environment: { variables: props.environment },
      dependsOn: [...policies, logGroup],
    });
  }
}
