import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { loadConfig } from '../src/config';
import { TapStack } from '../src/tap-stack';
import { Moto, MOTO_INSTALL_HINT, motoAvailable, startMoto } from '../emulator/moto';
import { testBundle } from '../harness/bundle';
import { offlineCliConfig, offlineTerraformEnv } from '../harness/offline-terraform';
import { Finished, runUnderDeadline } from '../harness/terraform';
import { describeWithTerraform } from './helpers/terraform';

/**
 * `terraform plan` of the synthesized stack by the real hashicorp/aws provider, with both
 * providers pointed at moto. Validate only checks the configuration against the schema;
 * a plan also configures both providers, reads the data sources (account, partition)
 * through them, and evaluates every expression, so what it shows is what an apply would
 * send. No apply: moto never finishes a KMS replica key (the provider waits on it), so an
 * apply here would prove moto's gaps, not ours.
 */

const ACCOUNT = '123456789012'; // moto's account

/** Terraform override file: same providers (merged by alias), endpoints on the emulator, fake credentials. */
function emulatorOverride(endpoint: string, aliases: Array<string | undefined>): object {
  const services = [
    'cloudtrail',
    'cloudwatch',
    'cloudwatchlogs',
    'dynamodb',
    'iam',
    'kms',
    'lambda',
    's3',
    'sns',
    'sts',
  ];
  return {
    provider: {
      aws: aliases.map((alias) => ({
        ...(alias ? { alias } : {}),
        access_key: 'testing',
        secret_key: 'testing',
        skip_credentials_validation: true,
        skip_metadata_api_check: 'true',
        s3_use_path_style: true,
        endpoints: [Object.fromEntries(services.map((s) => [s, endpoint]))],
      })),
    },
  };
}

interface PlannedResource {
  address: string;
  type: string;
  values: Record<string, any>;
}

interface Plan {
  resources: PlannedResource[];
  actions: string[][];
  providerOf: Map<string, string | undefined>;
  providerRegion: Record<string, string>;
  stackDir: string;
  declared: number;
  /** Addresses whose `policy` (or `assume_role_policy`) is `(known after apply)` in this first plan. */
  unknownPolicies: string[];
}

const scenarios: Array<[string, Record<string, string>]> = [
  ['defaults (us-east-1 -> us-west-2)', {}],
  [
    'another region pair and suffix (eu-west-1 -> eu-central-1, "qa-7")',
    {
      PRIMARY_REGION: 'eu-west-1',
      SECONDARY_REGION: 'eu-central-1',
      ENVIRONMENT_SUFFIX: 'qa-7',
    },
  ],
];

/** One Terraform command in `dir`, offline, under a deadline; a command that overruns fails the plan. */
async function terraform(args: string[], dir: string, rc: string): Promise<Finished> {
  const env = { ...process.env, ...offlineTerraformEnv(rc) };
  const r = await runUnderDeadline('terraform', args, dir, env, 300_000);
  if (r.timedOut) throw new Error(`terraform ${args.join(' ')} did not finish within 300 s\n${r.stdout}\n${r.stderr}`);
  return r;
}

describeWithTerraform('terraform plan of the synthesized stack against a local AWS emulator', () => {
  let moto: Moto;
  /** Both scenarios plan at once: most of a plan is the provider starting, on one core each. */
  const plans = new Map<string, Promise<Plan>>();
  beforeAll(async () => {
    if (!motoAvailable()) throw new Error(MOTO_INSTALL_HINT);
    moto = await startMoto();
    for (const [name, env] of scenarios) {
      const planned = plan(env, `tap-dr-plan-${loadConfig(env, {}).environmentSuffix}`);
      planned.catch(() => undefined); // reported by that scenario's beforeAll
      plans.set(name, planned);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(plans.values());
    await moto?.stop();
  }, 330_000);

  async function plan(env: Record<string, string>, id: string): Promise<Plan> {
    const config = loadConfig(env, {});
    const app = Testing.app();
    const stack = new TapStack(app, id, { config, lambdaArchive: testBundle() });
    const stackDir = path.join(Testing.fullSynth(stack), 'stacks', id);
    const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    const aliases = (synthesized.provider.aws as Array<{ alias?: string }>).map((p) => p.alias);
    fs.writeFileSync(
      path.join(stackDir, 'emulator_override.tf.json'),
      JSON.stringify(emulatorOverride(moto.endpoint, aliases)),
    );

    const rc = offlineCliConfig(process.env.TF_PROVIDER_MIRROR!);
    const init = await terraform(['init', '-input=false', '-no-color'], stackDir, rc);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const planned = await terraform(
      ['plan', '-input=false', '-no-color', '-lock=false', '-detailed-exitcode', '-out=tfplan'],
      stackDir,
      rc,
    );
    expect(planned.stderr).toBe('');
    expect(planned.stdout).not.toMatch(/Warning:/);
    expect(planned.code).toBe(2); // 2: succeeded, with changes
    const shown = await terraform(['show', '-json', 'tfplan'], stackDir, rc);
    expect(shown.code).toBe(0);
    const json = JSON.parse(shown.stdout);

    const configured = json.configuration.root_module.resources as Array<{
      address: string;
      provider_config_key: string;
    }>;
    const declared = Object.values(synthesized.resource as Record<string, object>).reduce(
      (n, r) => n + Object.keys(r).length,
      0,
    );
    return {
      resources: json.planned_values.root_module.resources,
      actions: json.resource_changes.map((c: any) => c.change.actions),
      providerOf: new Map(configured.map((r) => [r.address, r.provider_config_key])),
      providerRegion: Object.fromEntries(
        Object.entries(json.configuration.provider_config as Record<string, any>).map(([k, p]) => [
          k,
          p.expressions.region.constant_value,
        ]),
      ),
      stackDir,
      declared,
      // Only policies the stack writes: a bucket's or a topic's computed `policy` is not one of them.
      unknownPolicies: json.resource_changes
        .filter((c: any) =>
          ['policy', 'assume_role_policy'].some(
            (field) => c.change.after_unknown?.[field] === true && synthesized.resource[c.type]?.[c.name]?.[field],
          ),
        )
        .map((c: any) => c.address)
        .sort(),
    };
  }

  describe.each(scenarios)('%s', (name, env) => {
    const config = loadConfig(env, {});
    const suffix = config.environmentSuffix;
    let p: Plan;
    beforeAll(async () => {
      p = await plans.get(name)!;
    }, 300_000);
    afterAll(() => fs.rmSync(path.join(p?.stackDir ?? '/nonexistent', '.terraform'), { recursive: true, force: true }));

    const all = (type: string) => p.resources.filter((r) => r.type === type);
    const regionOf = (r: PlannedResource) => p.providerRegion[p.providerOf.get(r.address) ?? 'aws'];

    it('plans every declared resource as a create, with no errors or warnings', () => {
      expect(p.resources).toHaveLength(p.declared);
      expect(p.actions.every((a) => a.length === 1 && a[0] === 'create')).toBe(true);
      expect(p.declared).toBeGreaterThanOrEqual(30);
    });

    // Issue 19: only what names a key's ARN (a random key id) waits for the apply: each role's
    // `*_key_policy` and the documents bucket policies (docs/SECURITY.md, "Reading the policies in a
    // first plan"). Every other role policy, trust policy and bucket policy reads in full.
    it('leaves only the key statements and the documents bucket policies (known after apply)', () => {
      const tierWords = ['primary', 'secondary'];
      expect(p.unknownPolicies).toEqual(
        [
          ...['document_failback_key_policy', 'document_replication_key_policy'].map((a) => `aws_iam_role_policy.${a}`),
          ...tierWords.flatMap((t) =>
            ['health', 'heartbeat', 'processor'].map((f) => `aws_iam_role_policy.${t}_${f}_key_policy`),
          ),
          ...tierWords.map((t) => `aws_s3_bucket_policy.${t}_documents_policy`),
        ].sort(),
      );
    });

    it('binds the two providers to the configured regions', () => {
      expect(p.providerRegion).toEqual({ aws: config.primaryRegion, 'aws.secondary': config.secondaryRegion });
    });

    it('puts the replica key, the table replica, the standby processor and its buckets in the secondary region', () => {
      expect(all('aws_dynamodb_table_replica').map(regionOf)).toEqual([config.secondaryRegion]);
      expect(all('aws_kms_replica_key').map(regionOf)).toEqual([config.secondaryRegion]);
      const processors = all('aws_lambda_function').filter(
        (f) => f.values.function_name === `transaction-processor-${suffix}`,
      );
      expect(processors.map(regionOf).sort()).toEqual([config.primaryRegion, config.secondaryRegion].sort());
      // Each region also runs its heartbeat canary and /health.
      expect(all('aws_lambda_function').map(regionOf).sort()).toEqual(
        [config.primaryRegion, config.secondaryRegion].flatMap((r) => [r, r, r]).sort(),
      );
      const buckets = all('aws_s3_bucket');
      expect(buckets.map((b) => [regionOf(b), b.values.bucket]).sort()).toEqual(
        [config.primaryRegion, config.secondaryRegion]
          .flatMap((region) => ['docs', 'trail'].map((kind) => [region, `tap-${kind}-${suffix}-${ACCOUNT}-${region}`]))
          .sort(),
      );
    });

    it('resolves each key policy against the real account and its own region', () => {
      const keys = [...all('aws_kms_key'), ...all('aws_kms_replica_key')];
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        const policy = JSON.parse(key.values.policy);
        const region = regionOf(key);
        expect(policy.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
            expect.objectContaining({
              Principal: { Service: `logs.${region}.amazonaws.com` },
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': expect.arrayContaining([
                    `arn:aws:logs:${region}:${ACCOUNT}:log-group:/aws/lambda/transaction-processor-${suffix}`,
                  ]),
                },
              },
            }),
          ]),
        );
      }
      expect(all('aws_kms_key')[0].values).toMatchObject({ multi_region: true, enable_key_rotation: true });
    });

    it('plans the global table with PITR, encryption and a PITR-enabled replica in the secondary region', () => {
      const [table] = all('aws_dynamodb_table');
      expect(table.values).toMatchObject({
        name: `transactions-${suffix}`,
        billing_mode: 'PAY_PER_REQUEST',
        stream_enabled: true,
        stream_view_type: 'NEW_AND_OLD_IMAGES',
        point_in_time_recovery: [{ enabled: true }],
        server_side_encryption: [{ enabled: true }],
      });
      const [replica] = all('aws_dynamodb_table_replica');
      expect(regionOf(replica)).toBe(config.secondaryRegion);
      expect(replica.values).toMatchObject({ point_in_time_recovery: true, deletion_protection_enabled: false });
    });

    it('deploys the built bundle, and its source_code_hash is the hash of that very zip', () => {
      for (const fn of all('aws_lambda_function')) {
        const zip = fs.readFileSync(path.join(p.stackDir, fn.values.filename));
        expect(fn.values.source_code_hash).toBe(createHash('sha256').update(zip).digest('base64'));
        expect(fn.values).toMatchObject({
          runtime: 'nodejs22.x',
          handler: expect.stringMatching(/^index\.(handler|heartbeat|health)$/),
          reserved_concurrent_executions: -1,
          tracing_config: [{ mode: 'Active' }],
        });
      }
    });
  });
});
