/**
 * One AWS request, decided by @cloud-copilot/iam-simulate (a maintained IAM policy engine:
 * identity and resource policies, every condition operator, KMS key policies and role trust
 * policies with AWS's own same-account rules) against one deliverable's concrete policies.
 *
 * The engine's validated entry point (runSimulation) checks the action, the resource ARN's type
 * and each context key, but drops `kms:EncryptionContext:<key>` keys (its variable-key match only
 * knows "/"-separated keys such as aws:PrincipalTag/x), so every KMS condition on an encryption
 * context would fail as "missing". So each call is validated with runSimulation (an unknown action
 * or a resource of the wrong type is an error here, and so is any dropped key other than an
 * encryption context key), then decided by the engine's core with the context exactly as given.
 */
import { createRequire } from 'module';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, ConcretePolicy, World } from './world';

const simulateRequire = createRequire(require.resolve('@cloud-copilot/iam-simulate'));
const { authorize } = simulateRequire('./core_engine/CoreSimulatorEngine.js');
const { AwsRequestImpl } = simulateRequire('./request/request.js');
const { RequestContextImpl } = simulateRequire('./requestContext.js');
const { DiscoveryContextKeyConstraints } = simulateRequire('./context_keys/discoveryContextKeyConstraints.js');
const { loadPolicy } = simulateRequire('@cloud-copilot/iam-policy');

export type Context = Record<string, string | string[]>;

/** One request: who asks, what, on what, and the request context AWS builds for it. */
export interface Call {
  /** What the call is, for messages (the corpus entry, the service path, the deny-matrix row). */
  readonly name: string;
  /** A role ARN, a service principal ("logs.us-east-1.amazonaws.com"), or another account's role. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Context;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** Which statements allowed a call: "<policy owner>#<Sid or index>". */
export interface Outcome {
  readonly decision: Decision;
  readonly allowedBy: string[];
  readonly deniedBy: string[];
}

const isServicePrincipal = (p: string) => p.endsWith('.amazonaws.com');
const inOurAccount = (p: string) => p.startsWith(`arn:aws:iam::${ACCOUNT}:`);
const EVERYTHING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The resource policy AWS consults for this call, with every matching policy's statements merged. */
function resourcePolicyFor(policies: ConcretePolicy[], call: Call): ConcretePolicy[] {
  const service = call.action.split(':')[0];
  const kinds: Record<string, ConcretePolicy['kind']> = {
    sts: 'trust',
    kms: 'key',
    s3: 'bucket',
    sns: 'topic',
    lambda: 'lambda-permission',
  };
  const kind = kinds[service];
  if (!kind) return [];
  return policies.filter(
    (p) => p.kind === kind && (p.subject === call.resource || call.resource.startsWith(`${p.subject}/`)),
  );
}

const statementId = (p: ConcretePolicy, s: { Sid?: string }, i: number) => `${p.owner}#${s.Sid ?? i}`;

function labelled(p: ConcretePolicy) {
  return { ...p.document, Statement: p.document.Statement.map((s, i) => ({ ...s, Sid: statementId(p, s, i) })) };
}

/** Global keys AWS adds to every request of a principal (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). */
function globalContext(call: Call): Context {
  const base: Context = { 'aws:SecureTransport': 'true', 'aws:CurrentTime': '2026-01-01T00:00:00Z' };
  if (isServicePrincipal(call.principal)) return { ...base, 'aws:PrincipalServiceName': call.principal };
  const account = call.principal.split(':')[4];
  const extra: Context = { 'aws:PrincipalArn': call.principal, 'aws:PrincipalAccount': account };
  if (call.action.startsWith('kms:')) extra['kms:CallerAccount'] = account;
  return { ...base, ...extra };
}

async function validate(call: Call, resourcePolicy: object | undefined): Promise<void> {
  const r = await runSimulation(
    {
      request: {
        principal: call.principal,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.context,
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (r.resultType === 'error')
    throw new Error(`${call.name}: the engine refuses the request: ${JSON.stringify(r.errors)}`);
  const ignored = (r.resultType === 'single' ? r.result.ignoredContextKeys : r.results[0]?.ignoredContextKeys) ?? [];
  const unknown = ignored.filter((k) => !/^kms:EncryptionContext:/i.test(k));
  if (unknown.length) throw new Error(`${call.name}: ${call.action} has no condition key ${unknown.join(', ')}`);
}

/** Decides one call against one deliverable's policies (or a variant of them: the mutation tests). */
export async function decide(world: World, call: Call, policies = world.policies): Promise<Outcome> {
  const resource = resourcePolicyFor(policies, call);
  const resourcePolicy = resource.length
    ? { Version: '2012-10-17', Statement: resource.flatMap((p) => labelled(p).Statement) }
    : undefined;
  await validate(call, resourcePolicy);
  // A role of this stack has exactly its own policies; a service or another account's principal is
  // given everything on its side, so only this stack's resource and trust policies decide.
  const identity = inOurAccount(call.principal)
    ? policies.filter((p) => p.kind === 'identity' && p.subject === call.principal).map((p) => labelled(p))
    : isServicePrincipal(call.principal)
      ? []
      : [EVERYTHING];
  const analysis = authorize({
    request: new AwsRequestImpl(
      call.principal,
      { resource: call.resource, accountId: ACCOUNT },
      call.action,
      new RequestContextImpl({ ...globalContext(call), ...call.context }),
    ),
    sessionPolicy: undefined,
    identityPolicies: identity.map((p, i) => loadPolicy(p, { name: `identity-${i}` })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy ? loadPolicy(resourcePolicy, { name: 'resource' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
    },
    serviceSettings: { s3: { blockPublicAccess: undefined } },
  });
  const sids = (a: any, which: 'allowStatements' | 'denyStatements'): string[] =>
    (a?.[which] ?? []).map((s: any) => String(s.statement?.Sid ?? s.explain?.identifier));
  return {
    decision: analysis.result,
    allowedBy: [
      ...sids(analysis.identityAnalysis, 'allowStatements'),
      ...sids(analysis.resourceAnalysis, 'allowStatements'),
    ],
    deniedBy: [
      ...sids(analysis.identityAnalysis, 'denyStatements'),
      ...sids(analysis.resourceAnalysis, 'denyStatements'),
    ],
  };
}
