/** Each regional function is given exactly the settings its handler reads (src/regional/spec.ts, lambda/regional-env.ts). */
import { readHealthEnv, readHeartbeatEnv } from '../../lambda/regional-env';
import { REGIONAL_FUNCTIONS } from '../../src/regional/spec';
import { templatesFor } from '../helpers/cfn';
import { resourcesOf, synthStack } from '../helpers/synth';

/** The variables a reader looks at (AWS_REGION aside: the Lambda runtime sets it). */
function readBy(reader: (env: NodeJS.ProcessEnv) => unknown): string[] {
  const seen = new Set<string>();
  const note = (key: string | symbol) => typeof key === 'string' && seen.add(key);
  // Readers ask Object.hasOwn before they read, so either counts as a read.
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => void note(key),
    getOwnPropertyDescriptor: (_t, key) => void note(key),
  });
  try {
    reader(env);
  } catch {
    // Nothing is set, so the reader refuses; what it read is what matters.
  }
  seen.delete('AWS_REGION');
  return [...seen].sort();
}

const READS = { heartbeat: readBy(readHeartbeatEnv), health: readBy(readHealthEnv) };
const NAMES = { heartbeat: 'HeartbeatFunction', health: 'HealthFunction' } as const;

it('the heartbeat reads no RPO target, key or bucket; /health reads them', () => {
  expect(READS.heartbeat).not.toContain('RPO_TARGET_SECONDS');
  expect(READS.health).toEqual(expect.arrayContaining(['RPO_TARGET_SECONDS', 'KMS_KEY_ARN', 'S3_BUCKET_NAME']));
});

describe.each(Object.keys(REGIONAL_FUNCTIONS) as Array<keyof typeof REGIONAL_FUNCTIONS>)('%s', (what) => {
  it('Terraform gives it only what it reads, in both regions', () => {
    const { json } = synthStack();
    const fns = resourcesOf(json, 'aws_lambda_function').filter(
      (f) => f.handler === `index.${REGIONAL_FUNCTIONS[what].handler}`,
    );
    expect(fns).toHaveLength(2);
    for (const f of fns) expect(Object.keys(f.environment.variables).sort()).toEqual(READS[what]);
  });

  it('CloudFormation gives it only what it reads, in both templates', () => {
    const { primary, secondary } = templatesFor();
    for (const [t, id] of [
      [primary, NAMES[what]],
      [secondary, `Standby${NAMES[what]}`],
    ] as const) {
      const vars = (t.Resources[id].Properties as any).Environment.Variables;
      expect(Object.keys(vars).sort()).toEqual(READS[what]);
    }
  });
});
