/**
 * What must never be possible, as concrete requests: each row must be refused by the policy engine
 * on both deliverables (explicitly or implicitly denied).
 */
import { Call } from './engine';
import { ACCOUNT, keyArn, REGIONS, Tier, World } from './world';

export interface DenyRow {
  /** Stable id: PENDING_POLICY_FIXES names rows by it. */
  readonly id: string;
  calls(world: World): Call[];
}

const TIERS: Tier[] = ['primary', 'secondary'];
const table = (tier: Tier) => `arn:aws:dynamodb:${REGIONS[tier]}:${ACCOUNT}:table/transactions-dev`;
const docsBucket = (tier: Tier) => `arn:aws:s3:::tap-docs-dev-${ACCOUNT}-${REGIONS[tier]}`;
const trailBucket = (tier: Tier) => `arn:aws:s3:::tap-trail-dev-${ACCOUNT}-${REGIONS[tier]}`;
const document = (tier: Tier) => `${docsBucket(tier)}/documents/acct-1/t-1/0123`;
const sse = (tier: Tier, key = keyArn(tier)) => ({
  's3:x-amz-server-side-encryption': 'aws:kms',
  's3:x-amz-server-side-encryption-aws-kms-key-id': key,
});

const perTier =
  (make: (w: World, tier: Tier) => Omit<Call, 'name'>[], what: string) =>
  (w: World): Call[] =>
    TIERS.flatMap((tier) => make(w, tier).map((c, i) => ({ ...c, name: `${what} (${tier}${i ? ` #${i}` : ''})` })));

const processor = (w: World, tier: Tier) => w.functionRole('processor', tier);

export const DENY_MATRIX: DenyRow[] = [
  {
    id: "processor writes the heartbeat's item",
    calls: perTier(
      (w, tier) =>
        Object.values(REGIONS).map((r) => ({
          principal: processor(w, tier),
          action: 'dynamodb:PutItem',
          resource: table(tier),
          context: { 'dynamodb:LeadingKeys': [`#heartbeat#${r}`] },
        })),
      "processor PutItem on a heartbeat's item",
    ),
  },
  {
    id: "processor writes the real-account check's canary item",
    calls: perTier(
      (w, tier) => [
        {
          principal: processor(w, tier),
          action: 'dynamodb:PutItem',
          resource: table(tier),
          context: { 'dynamodb:LeadingKeys': ['#dr-check#20260101T000000Z'] },
        },
      ],
      'processor PutItem on a #dr-check# canary',
    ),
  },
  {
    id: 'processor deletes the table',
    calls: perTier(
      (w, tier) => [
        { principal: processor(w, tier), action: 'dynamodb:DeleteTable', resource: table(tier), context: {} },
      ],
      'processor DeleteTable',
    ),
  },
  {
    id: 'processor overwrites a document',
    calls: perTier(
      (w, tier) => [
        { principal: processor(w, tier), action: 's3:PutObject', resource: document(tier), context: sse(tier) },
      ],
      'processor PutObject without If-None-Match (an overwrite)',
    ),
  },
  {
    id: 'processor stores a document under another key',
    calls: perTier(
      (w, tier) => [
        {
          principal: processor(w, tier),
          action: 's3:PutObject',
          resource: document(tier),
          context: { ...sse(tier, `arn:aws:kms:${REGIONS[tier]}:${ACCOUNT}:key/another`), 's3:if-none-match': '*' },
        },
      ],
      'processor PutObject under another key',
    ),
  },
  {
    id: 'processor deletes a document',
    calls: perTier(
      (w, tier) =>
        ['s3:DeleteObject', 's3:DeleteObjectVersion'].map((action) => ({
          principal: processor(w, tier),
          action,
          resource: document(tier),
          context: {},
        })),
      'processor deletes a document',
    ),
  },
  {
    id: 'processor changes replication',
    calls: perTier(
      (w, tier) => [
        {
          principal: processor(w, tier),
          action: 's3:PutReplicationConfiguration',
          resource: docsBucket(tier),
          context: {},
        },
        { principal: processor(w, tier), action: 'dynamodb:UpdateTable', resource: table(tier), context: {} },
      ],
      'processor changes replication',
    ),
  },
  {
    id: 'the cross-region role writes anything',
    calls: (w) => {
      const role = w.roles.crossRegion;
      if (!role) throw new Error(`${w.label}: the full configuration has no cross-region role`);
      return TIERS.flatMap((tier) =>
        [
          ['dynamodb:PutItem', table(tier)],
          ['dynamodb:UpdateItem', table(tier)],
          ['dynamodb:DeleteItem', table(tier)],
          ['dynamodb:BatchWriteItem', table(tier)],
          ['s3:PutObject', document(tier)],
          ['kms:Encrypt', keyArn(tier)],
          [
            'lambda:UpdateFunctionCode',
            `arn:aws:lambda:${REGIONS[tier]}:${ACCOUNT}:function:transaction-processor-dev`,
          ],
        ].map(([action, resource]) => ({
          name: `cross-region ${action} (${tier})`,
          principal: role,
          action,
          resource,
          context: {},
        })),
      );
    },
  },
  {
    id: 'a principal not named assumes a role',
    calls: (w) => {
      const roles = [...new Set([...w.facts.functions.map((f) => f.role), ...Object.values(w.roles)])];
      const strangers = [`arn:aws:iam::999988887777:role/intruder`, `arn:aws:iam::${ACCOUNT}:role/intruder`];
      return roles.flatMap((role) => [
        ...strangers.map((principal) => ({
          name: `${principal} assumes ${role}`,
          principal,
          action: 'sts:AssumeRole',
          resource: role,
          context: {},
        })),
        {
          name: `S3 assumes ${role} for a bucket not ours`,
          principal: 's3.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: role,
          context: { 'aws:SourceArn': 'arn:aws:s3:::attacker-bucket', 'aws:SourceAccount': '999988887777' },
        },
        {
          name: `FIS assumes ${role} for another account's experiment`,
          principal: 'fis.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: role,
          context: {
            'aws:SourceArn': 'arn:aws:fis:us-west-2:999988887777:experiment/EXP1',
            'aws:SourceAccount': '999988887777',
          },
        },
      ]);
    },
  },
  {
    id: 'a function decrypts outside its own encryption context',
    calls: (w) =>
      w.facts.functions.flatMap((f) => [
        {
          name: `${f.fn}/${f.tier} decrypts an audit-trail object through S3`,
          principal: f.role,
          action: 'kms:Decrypt',
          resource: keyArn(f.tier),
          context: {
            'kms:ViaService': `s3.${REGIONS[f.tier]}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': trailBucket(f.tier),
          },
        },
        {
          name: `${f.fn}/${f.tier} decrypts a log group's data directly`,
          principal: f.role,
          action: 'kms:Decrypt',
          resource: keyArn(f.tier),
          context: {
            'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${REGIONS[f.tier]}:${ACCOUNT}:log-group:/aws/apigateway/tap-dr-dev`,
          },
        },
        ...(f.fn === 'processor'
          ? []
          : [
              {
                name: `${f.fn}/${f.tier} decrypts a document through S3`,
                principal: f.role,
                action: 'kms:Decrypt',
                resource: keyArn(f.tier),
                context: {
                  'kms:ViaService': `s3.${REGIONS[f.tier]}.amazonaws.com`,
                  'kms:EncryptionContext:aws:s3:arn': docsBucket(f.tier),
                },
              },
            ]),
      ]),
  },
];
