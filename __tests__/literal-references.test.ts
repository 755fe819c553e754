/**
 * Literal references: a resource that names another by an ARN spelled from src/naming.ts,
 * not by a reference the engine can see. Where AWS checks the named resource when the carrier
 * is created, the carrier must be ordered after it; where AWS does not, the reference is
 * listed with AWS's reason. docs/CROSS-REFERENCES.md is that list; this test computes the list
 * from both deliverables and holds the document to it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from '../src/cloudformation';
import { PROJECT_ROOT } from '../src/lambda-bundle';
import { templatesFor } from './helpers/cfn';
import { cloudFormationPrerequisites, terraformPrerequisites } from './helpers/graph';
import { synthStack, TerraformJson } from './helpers/synth';

const EVERY_OPTION = {
  HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
  DOMAIN_NAME: 'pay.example.com',
  FIS_DRILL: 'true',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::123456789012:role/failover-automation',
  ALERT_EMAIL: 'oncall@example.com',
};

/** How an ARN names a resource of each kind, and that kind's name property in each engine. */
const ARN_FORMS: ReadonlyArray<{ re: RegExp; tf: [string, string]; cfn: [string, string] }> = [
  { re: /:role\/([\w+=,.@${}:-]+)/g, tf: ['aws_iam_role', 'name'], cfn: ['AWS::IAM::Role', 'RoleName'] },
  {
    re: /:function:([\w${}:-]+)/g,
    tf: ['aws_lambda_function', 'function_name'],
    cfn: ['AWS::Lambda::Function', 'FunctionName'],
  },
  {
    re: /:log-group:([\w./#${}-]+?)(?=:\*|"|$)/g,
    tf: ['aws_cloudwatch_log_group', 'name'],
    cfn: ['AWS::Logs::LogGroup', 'LogGroupName'],
  },
  {
    re: /:alarm:([\w.*${}-]+)/g,
    tf: ['aws_cloudwatch_metric_alarm', 'alarm_name'],
    cfn: ['AWS::CloudWatch::Alarm', 'AlarmName'],
  },
  {
    re: /:s3:::([\w.${}:-]+?)(?=\/|"|$)/g,
    tf: ['aws_s3_bucket', 'bucket'],
    cfn: ['AWS::S3::Bucket', 'BucketName'],
  },
  { re: /:trail\/([\w.${}-]+)/g, tf: ['aws_cloudtrail', 'name'], cfn: ['AWS::CloudTrail::Trail', 'TrailName'] },
  {
    re: /:table\/([\w.${}-]+)/g,
    tf: ['aws_dynamodb_table', 'name'],
    cfn: ['AWS::DynamoDB::GlobalTable', 'TableName'],
  },
];

interface LiteralReference {
  readonly carrier: string;
  readonly named: string;
  /** Whether the engine creates the named resource first. */
  readonly ordered: boolean;
}

const asPattern = (name: string) => new RegExp(`^${name.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`);
/** A name property's text: a Terraform string, or a CloudFormation Fn::Sub template. */
const nameText = (v: unknown) => (typeof v === 'string' ? v : ((v as any)?.['Fn::Sub'] as string | undefined));

function terraformReferences(json: TerraformJson): LiteralReference[] {
  const out: LiteralReference[] = [];
  for (const [type, resources] of Object.entries(json.resource)) {
    for (const [name, body] of Object.entries(resources)) {
      const address = `${type}.${name}`;
      const text = JSON.stringify(body).replace(/\\"/g, '"');
      const before = terraformPrerequisites(json, address);
      for (const { re, tf } of ARN_FORMS) {
        for (const m of text.matchAll(re)) {
          const pattern = asPattern(m[1]);
          for (const [target, t] of Object.entries(json.resource[tf[0]] ?? {})) {
            const n = nameText(t[tf[1]]);
            if (n && pattern.test(n) && `${tf[0]}.${target}` !== address)
              out.push({ carrier: type, named: tf[0], ordered: before.has(`${tf[0]}.${target}`) });
          }
        }
      }
    }
  }
  return out;
}

function cloudFormationReferences(t: Template): LiteralReference[] {
  const out: LiteralReference[] = [];
  for (const [id, resource] of Object.entries(t.Resources)) {
    const text = JSON.stringify(resource.Properties ?? {});
    const before = cloudFormationPrerequisites(t, id);
    for (const { re, cfn } of ARN_FORMS) {
      for (const m of text.matchAll(re)) {
        const pattern = asPattern(m[1]);
        for (const [target, r] of Object.entries(t.Resources)) {
          const n = r.Type === cfn[0] ? nameText((r.Properties as any)?.[cfn[1]]) : undefined;
          if (n && pattern.test(n) && target !== id)
            out.push({ carrier: resource.Type, named: cfn[0], ordered: before.has(target) });
        }
      }
    }
  }
  return out;
}

/** The table rows of docs/CROSS-REFERENCES.md's "Literal references" section. */
function documentedRows(): Map<string, string> {
  const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'CROSS-REFERENCES.md'), 'utf8');
  const section = doc.split('## Literal references')[1].split('\n## ')[0];
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => /^\| `/.test(l))) {
    const [carrier, named, checked] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim().replace(/`/g, ''));
    rows.set(`${carrier} -> ${named}`, checked);
  }
  return rows;
}

describe('literal references between resources', () => {
  const tf = terraformReferences(synthStack(EVERY_OPTION).json);
  const { primary, secondary } = templatesFor(EVERY_OPTION);
  const cfn = [...cloudFormationReferences(primary), ...cloudFormationReferences(secondary)];
  const doc = documentedRows();

  it('finds some in both deliverables (the matcher is not blind)', () => {
    expect(tf.length).toBeGreaterThan(10);
    expect(cfn.length).toBeGreaterThan(10);
  });

  it('lists every kind that occurs in docs/CROSS-REFERENCES.md, and no kind that does not', () => {
    const found = new Set([...tf, ...cfn].map((r) => `${r.carrier} -> ${r.named}`));
    expect([...doc.keys()].sort()).toEqual([...found].sort());
  });

  it('orders every carrier after what it names wherever the document says AWS checks it at create time', () => {
    const unordered = [...tf, ...cfn]
      .filter((r) => doc.get(`${r.carrier} -> ${r.named}`)?.startsWith('yes') && !r.ordered)
      .map((r) => `${r.carrier} -> ${r.named}`);
    expect(unordered).toEqual([]);
  });
});

describe('policies read in full in a first plan', () => {
  // Anything but a key's ARN (its id is generated) is spelled from names: docs/CROSS-REFERENCES.md.
  const KEY = /^aws_kms_(replica_)?key\.[a-z0-9_]+\.arn$/;
  const references = (json: TerraformJson) =>
    Object.entries(json.resource).flatMap(([type, resources]) =>
      Object.entries(resources).flatMap(([name, body]) =>
        ['policy', 'assume_role_policy']
          .filter((attr) => typeof body[attr] === 'string')
          .flatMap((attr) => [...(body[attr] as string).matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))
          .filter((ref) => !ref.startsWith('data.') && !KEY.test(ref))
          .map((ref) => `${type}.${name} -> ${ref}`),
      ),
    );

  it('name no resource of the stack by reference but a key, with every option on', () => {
    expect(references(synthStack(EVERY_OPTION).json)).toEqual([]);
  });

  it('so trust policies, the trail bucket policies and the FIS drill policy have no unknown part', () => {
    const json = synthStack(EVERY_OPTION).json;
    const known = (body: Record<string, any>, attr: string) =>
      [...(body[attr] as string).matchAll(/\$\{([^}]+)\}/g)].every((m) => m[1].startsWith('data.'));
    for (const role of Object.values(json.resource.aws_iam_role)) expect(known(role, 'assume_role_policy')).toBe(true);
    const trailPolicies = Object.entries(json.resource.aws_s3_bucket_policy).filter(([n]) => n.includes('audit_trail'));
    expect(trailPolicies).toHaveLength(2);
    for (const [, p] of trailPolicies) expect(known(p, 'policy')).toBe(true);
    expect(known(json.resource.aws_iam_role_policy.fis_drill_policy, 'policy')).toBe(true);
  });
});
