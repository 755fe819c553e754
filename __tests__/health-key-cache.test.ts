/**
 * GET /health's cost: one KMS DescribeKey per execution environment per KEY_STATE_CACHE_MS, not
 * one per call (docs/HEALTH.md). A failed DescribeKey is never reused, and the cached state
 * still answers `key: failed` when the key was not Enabled.
 */
import { createHealth, KEY_STATE_CACHE_MS } from '../lambda/health';
import type { RegionalPort } from '../lambda/regional-aws';

function fakeAws(keyStates: Array<string | Error>) {
  const calls = { describeKey: 0 };
  const aws: RegionalPort = {
    getItem: async () => ({ $metadata: {}, Item: undefined }),
    putItem: async () => ({}),
    putMetricData: async () => ({}),
    getBucketEncryption: async () => ({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    }),
    describeKey: async () => {
      const next = keyStates[Math.min(calls.describeKey++, keyStates.length - 1)];
      if (next instanceof Error) throw next;
      return { $metadata: {}, KeyMetadata: { KeyId: 'k', KeyState: next as 'Enabled' } };
    },
  };
  return { aws, calls };
}

const settings = {
  tableName: 'transactions-test',
  region: 'us-east-1',
  peerRegion: undefined,
  kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  bucketName: 'tap-docs-test',
  rpoTargetSeconds: 60,
  beatIntervalSeconds: 60,
};

const keyCheck = async (health: () => Promise<{ body: string }>) => JSON.parse((await health()).body).checks.key;

describe('GET /health key check', () => {
  it('makes one DescribeKey per KEY_STATE_CACHE_MS however often it is called', async () => {
    let t = 1_000_000;
    const { aws, calls } = fakeAws(['Enabled', 'Disabled']);
    const health = createHealth({ aws, settings, now: () => t, log: () => {} });
    for (let i = 0; i < 50; i++) expect(await keyCheck(health)).toBe('ok');
    expect(calls.describeKey).toBe(1);
    t += KEY_STATE_CACHE_MS - 1;
    expect(await keyCheck(health)).toBe('ok');
    expect(calls.describeKey).toBe(1);
    // Once the cache runs out the key is asked again, and a key disabled meanwhile shows.
    t += 1;
    expect(await keyCheck(health)).toBe('failed');
    expect(calls.describeKey).toBe(2);
  });

  it('never reuses a failed DescribeKey: the next call asks again', async () => {
    const { aws, calls } = fakeAws([Object.assign(new Error('throttled'), { name: 'ThrottlingException' }), 'Enabled']);
    const health = createHealth({ aws, settings, now: () => 5, log: () => {} });
    expect(await keyCheck(health)).toBe('failed');
    expect(await keyCheck(health)).toBe('ok');
    expect(calls.describeKey).toBe(2);
  });

  it('caches for no more than 30 s, so a disabled key shows within half a minute', () => {
    expect(KEY_STATE_CACHE_MS).toBeLessThanOrEqual(30_000);
  });
});
