import { Testing } from 'cdktf';
import { testBundle } from '../../harness/bundle';
import { loadConfig, TapConfig } from '../../src/config';
import { names } from '../../src/naming';
import { TapStack } from '../../src/tap-stack';

export function configFor(env: Record<string, string> = {}): TapConfig {
  return loadConfig(env, {});
}

export interface Synthesized {
  readonly stack: TapStack;
  /** What cdktf's matchers take. */
  readonly synth: string;
  /** The same, parsed: for assertions the matchers cannot express. */
  readonly json: TerraformJson;
  readonly config: TapConfig;
}

export interface TerraformJson {
  provider: { aws: Array<Record<string, any>> };
  resource: Record<string, Record<string, Record<string, any>>>;
  data: Record<string, Record<string, Record<string, any>>>;
  output: Record<string, { value: string; description?: string }>;
  terraform: Record<string, any>;
}

/** Synths already made in this test file (jest gives each file its own module registry), by setting. */
const synthesized = new Map<string, Omit<Synthesized, 'json'>>();

/**
 * The stack for these settings. A file asks for the same settings many times and a synth costs about
 * a second, so each is made once per file; `json` is parsed afresh on every call, so a test that
 * edits it (to plant a defect) cannot change what the next one reads.
 */
export function synthStack(env: Record<string, string> = {}): Synthesized {
  const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
  let made = synthesized.get(key);
  if (!made) {
    const config = configFor(env);
    const app = Testing.app();
    const stack = new TapStack(app, names.stack({ suffix: config.environmentSuffix }), {
      config,
      lambdaArchive: testBundle(),
    });
    made = { stack, synth: Testing.synth(stack), config };
    synthesized.set(key, made);
  }
  return { ...made, json: JSON.parse(made.synth) as TerraformJson };
}

/** All resources of one type, by their Terraform name. */
export function resourcesOf(json: TerraformJson, type: string): Array<Record<string, any>> {
  return Object.values(json.resource[type] ?? {});
}

/** Resources of a type in the primary region (default provider). */
export function primaryResourcesOf(json: TerraformJson, type: string): Array<Record<string, any>> {
  return resourcesOf(json, type).filter((r) => r.provider === undefined);
}

/** Resources of a type in the secondary region (the aliased provider). */
export function secondaryResourcesOf(json: TerraformJson, type: string): Array<Record<string, any>> {
  return resourcesOf(json, type).filter((r) => r.provider === 'aws.secondary');
}

/** The type of every secondary-region resource, one entry per resource, sorted. */
export function secondaryResourceTypes(json: TerraformJson): string[] {
  return Object.keys(json.resource)
    .flatMap((type) => secondaryResourcesOf(json, type).map(() => type))
    .sort();
}

/** The single primary-region resource of a type (fails the test if there are several or none). */
export function onlyResource(json: TerraformJson, type: string): Record<string, any> {
  const all = primaryResourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** A resource by its readable (pinned) Terraform address, e.g. ('aws_s3_bucket', 'documents'). */
export function byAddress(json: TerraformJson, type: string, name: string): Record<string, any> {
  const r = json.resource[type]?.[name];
  if (!r) throw new Error(`expected ${type}.${name} in the synthesized stack`);
  return r;
}

/** The single resource of a type attached to the bucket at `bucketAddress` (versioning, policy, ...). */
export function ofBucket(json: TerraformJson, type: string, bucketAddress: string): Record<string, any> {
  const all = resourcesOf(json, type).filter((r) => r.bucket === `\${aws_s3_bucket.${bucketAddress}.id}`);
  if (all.length !== 1)
    throw new Error(`expected exactly one ${type} on aws_s3_bucket.${bucketAddress}, found ${all.length}`);
  return all[0];
}
