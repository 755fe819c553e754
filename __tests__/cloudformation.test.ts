import { ENVIRONMENT_SUFFIX_PATTERN, loadConfig } from '../src/config';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  buildPrimaryTemplate,
  PACKAGED_CODE_DIR,
  Template,
  writeCloudFormationTemplates,
  ZIPFILE_MAX_CHARS,
} from '../src/cloudformation';
import { danglingReferences, referencesIn, resourcesUnder, templatesFor, undeclaredConditions } from './helpers/cfn';
import { SEED_OUTPUTS, SEED_RESOURCES } from './helpers/seed';
import { testBundle } from '../harness/bundle';

const props = (t: Template, id: string) => t.Resources[id].Properties as Record<string, any>;
const KEY_ARN = { 'Fn::GetAtt': ['TransactionKMSKey', 'Arn'] };
/** What the primary tier adds once the standby tier exists: replication into it, and the alarms on its peer. */
const STANDBY_DEPENDENT = [
  'DocumentReplicationRole',
  'HeartbeatStalenessAlarm',
  'DocumentReplicationFailedAlarm',
  'DocumentReplicationLatencyAlarm',
];

describe('TapStack.json (primary region)', () => {
  const { primary } = templatesFor();

  it("has the seed's 12 resources under the seed's logical ids, plus the bucket policy, the RPO alarm, the access trail and the entry point", () => {
    for (const [id, type] of Object.entries(SEED_RESOURCES)) expect(primary.Resources[id]?.Type).toBe(type);
    expect(Object.keys(primary.Resources).sort()).toEqual(
      [
        ...Object.keys(SEED_RESOURCES),
        'TransactionDocumentsBucketPolicy',
        'ReplicationLatencyAlarm',
        'DocumentsTrail',
        'DocumentsTrailBucket',
        'DocumentsTrailBucketPolicy',
        // The regional entry point (issue 11): API, /health, the heartbeat canary.
        'TransactionsApi',
        'ApiAccessLogGroup',
        'ApiDefaultStage',
        ...['ApiTransactions', 'ApiHealth'].flatMap((r) => [`${r}Integration`, `${r}Route`, `${r}Permission`]),
        ...['HeartbeatFunction', 'HealthFunction'].flatMap((f) => [f, `${f}LogGroup`, `${f}Role`]),
        'HeartbeatSchedule',
        'HeartbeatPermission',
        'HeartbeatNoRetries',
        // Issue 21: the region-health alarm, the recovery-control watch and who may publish to the topic.
        'RegionHealthAlarm',
        'AlertSNSTopicPolicy',
        ...['TableReplication', 'DocumentReplication', 'PitrOff', 'TrailOff', 'AlarmsOff', 'KeyOff'].map(
          (w) => `Watch${w}Rule`,
        ),
        // Only once the standby tier's outputs are given (ReplicatesToStandby).
        ...STANDBY_DEPENDENT,
      ].sort(),
    );
    expect(resourcesUnder(primary, 'ReplicatesToStandby')).toEqual([...STANDBY_DEPENDENT].sort());
  });

  describe('replication into the standby tier (once TapStack-secondary.json has deployed it)', () => {
    it('takes the standby bucket as a parameter, empty by default, and replicates only when it is given', () => {
      expect(primary.Parameters.SecondaryS3BucketName).toMatchObject({ Type: 'String', Default: '' });
      expect(primary.Conditions!.ReplicatesToStandby).toEqual({
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SecondaryS3BucketName' }, ''] }],
      });
      const [condition, configuration, otherwise] = props(primary, 'TransactionDocumentsBucket')
        .ReplicationConfiguration['Fn::If'];
      expect([condition, otherwise]).toEqual(['ReplicatesToStandby', { Ref: 'AWS::NoValue' }]);
      expect(configuration.Role).toEqual({ 'Fn::GetAtt': ['DocumentReplicationRole', 'Arn'] });
      expect(configuration.Rules).toEqual([
        {
          Id: 'documents-to-secondary',
          Status: 'Enabled',
          Priority: 1,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${SecondaryS3BucketName}' },
            StorageClass: 'STANDARD',
            // Re-encrypted with the standby region's key.
            EncryptionConfiguration: { ReplicaKmsKeyID: { Ref: 'SecondaryKMSKeyArn' } },
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          },
        },
      ]);
    });

    it("trusts S3 only for this account's documents bucket, named rather than referenced (a GetAtt would be a cycle)", () => {
      const role = props(primary, 'DocumentReplicationRole');
      expect(role.RoleName).toEqual({ 'Fn::Sub': 'tap-dr-docs-replication-${EnvironmentSuffix}' });
      expect(role.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Sub': 'arn:${AWS::Partition}:s3:::tap-docs-${EnvironmentSuffix}-${AWS::AccountId}-${AWS::Region}',
          },
        },
      });
      expect(JSON.stringify(role)).not.toContain('TransactionDocumentsBucket');
    });

    it("watches the standby's heartbeat only once the standby is there to write it", () => {
      for (const fn of ['HeartbeatFunction', 'HealthFunction']) {
        expect(props(primary, fn).Environment.Variables.PEER_REGION).toEqual({
          'Fn::If': ['ReplicatesToStandby', { Ref: 'SecondaryRegion' }, ''],
        });
      }
      expect(props(primary, 'HeartbeatStalenessAlarm').TreatMissingData).toBe('breaching');
    });
  });

  describe('parameters', () => {
    it('constrains EnvironmentSuffix exactly as the config does', () => {
      const p = primary.Parameters.EnvironmentSuffix;
      expect(p).toMatchObject({ Type: 'String', Default: 'dev', AllowedPattern: ENVIRONMENT_SUFFIX_PATTERN });
      expect(p.ConstraintDescription).toMatch(/lowercase letters, digits or hyphens/);
      const cfnRegex = new RegExp(p.AllowedPattern as string);
      for (const s of ['dev', 'pr-1', 'a', 'a'.repeat(20), 'Dev', '-x', 'x-', 'a'.repeat(21), 'a_b', '']) {
        const configAccepts = (() => {
          try {
            loadConfig({ ENVIRONMENT_SUFFIX: s || 'INVALID' }, {});
            return s !== '';
          } catch {
            return false;
          }
        })();
        expect([s, cfnRegex.test(s)]).toEqual([s, configAccepts]);
      }
    });

    it('trusts no one by default and requires the secondary key ARN', () => {
      expect(primary.Parameters.CrossRegionExternalId).toBeUndefined();
      expect(primary.Parameters.CrossRegionTrustedPrincipals).toMatchObject({
        Type: 'CommaDelimitedList',
        Default: '',
      });
      expect(primary.Parameters.SecondaryKMSKeyArn.Default).toBeUndefined();
      expect(
        new RegExp(primary.Parameters.SecondaryKMSKeyArn.AllowedPattern as string).test(
          'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        ),
      ).toBe(true);
    });

    it('refuses a secondary region equal to the deployment region', () => {
      expect(JSON.stringify(primary.Rules)).toContain(
        '{"Fn::Not":[{"Fn::Equals":[{"Ref":"SecondaryRegion"},{"Ref":"AWS::Region"}]}]}',
      );
    });
  });

  describe('encryption with keys we control', () => {
    it('rotates the customer-managed key and aliases it with the suffix', () => {
      expect(props(primary, 'TransactionKMSKey')).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 7 });
      expect(props(primary, 'TransactionKMSAlias').AliasName).toEqual({
        'Fn::Sub': 'alias/transaction-encryption-${EnvironmentSuffix}',
      });
    });

    it('gives every replica its own region key, and none at table level', () => {
      const t = props(primary, 'TransactionDynamoDBTable');
      expect(t.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(t.Replicas.map((r: any) => [r.Region, r.SSESpecification.KMSMasterKeyId])).toEqual([
        [{ Ref: 'AWS::Region' }, KEY_ARN],
        [{ Ref: 'SecondaryRegion' }, { Ref: 'SecondaryKMSKeyArn' }],
      ]);
    });

    it('encrypts the bucket, the log group, the topic and the function environment', () => {
      expect(props(primary, 'TransactionDocumentsBucket').BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: true },
      ]);
      expect(props(primary, 'TransactionProcessorLogGroup').KmsKeyId).toEqual(KEY_ARN);
      expect(props(primary, 'AlertSNSTopic').KmsMasterKeyId).toEqual(KEY_ARN);
      expect(props(primary, 'TransactionProcessorFunction').KmsKeyArn).toEqual(KEY_ARN);
    });
  });

  describe('global table', () => {
    const t = props(primary, 'TransactionDynamoDBTable');

    it('has PITR on every replica, streams for replication and the account/time GSI', () => {
      expect(t.Replicas).toHaveLength(2);
      for (const r of t.Replicas)
        expect(r.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(t.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.GlobalSecondaryIndexes[0]).toMatchObject({ IndexName: 'account-created-index' });
    });
  });

  describe('documents bucket', () => {
    it('is versioned, private, owner-enforced, and TLS-only', () => {
      const b = props(primary, 'TransactionDocumentsBucket');
      expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(b.BucketName).toEqual({ 'Fn::Sub': 'tap-docs-${EnvironmentSuffix}-${AWS::AccountId}-${AWS::Region}' });
      const policy = props(primary, 'TransactionDocumentsBucketPolicy').PolicyDocument;
      expect(policy.Statement[0]).toMatchObject({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });
  });

  describe('transaction processor', () => {
    const fn = props(primary, 'TransactionProcessorFunction');

    it('runs on nodejs22.x, traced', () => {
      expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    });

    it('ships the bundle through `aws cloudformation package`, because it exceeds the inline ZipFile limit', () => {
      // Pins which of the two holds today: if the handler shrinks below 4,096 characters this
      // fails, and the template should go back to one-command deploys (see lambdaCode()).
      expect(testBundle().code.length).toBeGreaterThan(ZIPFILE_MAX_CHARS);
      expect(fn.Code).toBe(PACKAGED_CODE_DIR);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-cfn-code-'));
      const written = writeCloudFormationTemplates(loadConfig({}, {}), testBundle().code, dir);
      expect(written.map((f) => path.relative(dir, f))).toEqual([
        'TapStack.json',
        'TapStack-secondary.json',
        'lambda/index.js',
      ]);
      expect(fs.readFileSync(path.join(dir, 'lambda', 'index.js'), 'utf8')).toBe(testBundle().code);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('inlines a bundle that fits Code.ZipFile, and writes no code directory then', () => {
      const small = 'exports.handler=async()=>({statusCode:200})';
      expect(
        buildPrimaryTemplate(loadConfig({}, {}), small).Resources.TransactionProcessorFunction.Properties.Code,
      ).toEqual({
        ZipFile: small,
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-cfn-inline-'));
      fs.mkdirSync(path.join(dir, 'lambda'));
      fs.writeFileSync(path.join(dir, 'lambda', 'index.js'), 'stale');
      writeCloudFormationTemplates(loadConfig({}, {}), small, dir);
      expect(fs.existsSync(path.join(dir, 'lambda'))).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('has no AWS_REGION variable and no reserved concurrency by default', () => {
      expect(Object.keys(fn.Environment.Variables).sort()).toEqual([
        'AWS_CALL_TIMEOUT_MS',
        'DOCUMENTS_KMS_KEY_ARN',
        'DYNAMODB_TABLE_NAME',
        'S3_BUCKET_NAME',
      ]);
      expect(fn.ReservedConcurrentExecutions).toBeUndefined();
      expect(primary.Resources.TransactionProcessorFunction.DependsOn).toEqual(['TransactionProcessorLogGroup']);
    });

    it('has a least-privilege role without wildcard actions', () => {
      const doc = props(primary, 'LambdaExecutionRole').Policies[0].PolicyDocument;
      for (const s of doc.Statement) {
        for (const a of s.Action) expect(a).not.toContain('*');
        if (s.Resource === '*') expect(s.Action.every((a: string) => a.startsWith('xray:'))).toBe(true);
      }
      expect(doc.Statement.flatMap((st: any) => st.Action)).not.toContain('dynamodb:Query');
      expect(props(primary, 'TransactionProcessorLogGroup').RetentionInDays).toBe(365);
    });
  });

  it('creates the cross-region role only for the principals named, and exports it only then', () => {
    const role = primary.Resources.CrossRegionAssumeRole;
    expect(role.Condition).toBe('HasCrossRegionTrustedPrincipals');
    expect(primary.Outputs.CrossRegionRoleArn.Condition).toBe('HasCrossRegionTrustedPrincipals');
    expect(primary.Conditions!.HasCrossRegionTrustedPrincipals).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'CrossRegionTrustedPrincipals' }] }, ''] }],
    });
    expect((role.Properties as any).AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'ConfiguredPrincipalsOnly',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'CrossRegionTrustedPrincipals' } },
        Action: ['sts:AssumeRole'],
      },
    ]);
    const arns = 'arn:aws:iam::111122223333:role/a,arn:aws:iam::111122223333:role/b';
    expect(
      templatesFor({ CROSS_REGION_TRUSTED_PRINCIPALS: arns }).primary.Parameters.CrossRegionTrustedPrincipals.Default,
    ).toBe(arns);
  });

  /** What CloudFormation does with a CrossRegionTrustedPrincipals value: split, trim, the pattern on
   *  each member, then the template's rule (only the list functions it uses). */
  const acceptsPrincipals = (value: string) => {
    const members = value.split(',').map((m) => m.trim());
    const param = primary.Parameters.CrossRegionTrustedPrincipals;
    if (!members.every((m) => new RegExp(param.AllowedPattern as string).test(m))) return false;
    const evaluate = (e: any): any => {
      if (e.Ref === 'CrossRegionTrustedPrincipals') return members;
      if (typeof e === 'string') return e;
      const [fn, args] = Object.entries(e)[0] as [string, any[]];
      const v = args.map(evaluate);
      if (fn === 'Fn::Or') return v.some(Boolean);
      if (fn === 'Fn::Not') return !v[0];
      if (fn === 'Fn::EachMemberEquals') return v[0].every((m: string) => m === v[1]);
      if (fn === 'Fn::Contains') return v[0].includes(v[1]);
      throw new Error(`no evaluator for ${fn}`);
    };
    return (primary.Rules as any).TrustedPrincipalsAreAllRoleArns.Assertions.every((a: any) => evaluate(a.Assert));
  };

  it.each([
    '*',
    'arn:aws:iam::111122223333:root',
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:iam::111122223333:role/a,,',
    'arn:aws:iam::111122223333:role/a,*',
    '111122223333',
    'arn:aws:sts::111122223333:assumed-role/a/session',
  ])('refuses CrossRegionTrustedPrincipals=%p, as synth refuses CROSS_REGION_TRUSTED_PRINCIPALS', (bad) => {
    expect(acceptsPrincipals(bad)).toBe(false);
    expect(() => loadConfig({ CROSS_REGION_TRUSTED_PRINCIPALS: bad }, {})).toThrow(/CROSS_REGION_TRUSTED_PRINCIPALS/);
  });

  it.each([
    '',
    'arn:aws:iam::111122223333:role/a',
    'arn:aws:iam::111122223333:role/a, arn:aws-us-gov:iam::111122223333:role/ops/b',
  ])('accepts CrossRegionTrustedPrincipals=%p', (good) => expect(acceptsPrincipals(good)).toBe(true));

  it('records document access with a CloudTrail trail under our key, after its bucket policy allows it', () => {
    const trail = primary.Resources.DocumentsTrail;
    expect(trail.DependsOn).toEqual(['DocumentsTrailBucketPolicy']);
    expect(trail.Properties).toMatchObject({
      IsLogging: true,
      KMSKeyId: KEY_ARN,
      EnableLogFileValidation: true,
      S3BucketName: { Ref: 'DocumentsTrailBucket' },
    });
    // Documents, the ledger, the processor's invocations, and write management events (issue 21).
    expect(trail.Properties.EventSelectors).toBeUndefined();
    expect((trail.Properties.AdvancedEventSelectors as any[]).map((s) => s.FieldSelectors.slice(1))).toEqual([
      [
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'resources.ARN', StartsWith: [{ 'Fn::Sub': '${TransactionDocumentsBucket.Arn}/' }] },
      ],
      [
        { Field: 'resources.type', Equals: ['AWS::DynamoDB::Table'] },
        { Field: 'resources.ARN', Equals: [{ 'Fn::GetAtt': ['TransactionDynamoDBTable', 'Arn'] }] },
      ],
      [
        { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] },
        {
          Field: 'resources.ARN',
          Equals: [
            {
              'Fn::Sub':
                'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:transaction-processor-${EnvironmentSuffix}',
            },
          ],
        },
      ],
      [{ Field: 'readOnly', Equals: ['false'] }],
    ]);
    expect(props(primary, 'DocumentsTrailBucket').LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(365);
  });

  it('attaches no code-signing config: nothing signs the bundle, so Lambda would refuse it', () => {
    for (const t of [primary, templatesFor().secondary]) {
      expect(Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::CodeSigningConfig')).toEqual([]);
      expect(JSON.stringify(t)).not.toContain('CodeSigningConfigArn');
    }
  });

  it('alarms notify the topic on ALARM and OK with explicit missing-data handling', () => {
    for (const id of ['DynamoDBThrottleAlarm', 'LambdaErrorAlarm', 'LambdaThrottleAlarm', 'ReplicationLatencyAlarm']) {
      expect(props(primary, id)).toMatchObject({
        AlarmActions: [{ Ref: 'AlertSNSTopic' }],
        OKActions: [{ Ref: 'AlertSNSTopic' }],
        TreatMissingData: expect.stringMatching(/^(notBreaching|breaching|ignore|missing)$/),
      });
    }
  });

  it('subscribes the alert email only when one is given', () => {
    expect(props(primary, 'AlertSNSTopic').Subscription['Fn::If'][0]).toBe('HasAlertEmail');
    expect(primary.Parameters.AlertEmail.Default).toBe('');
    expect(templatesFor({ ALERT_EMAIL: 'oncall@example.com' }).primary.Parameters.AlertEmail.Default).toBe(
      'oncall@example.com',
    );
  });

  it("exports the seed's 13 outputs (and four more) under names that carry the suffix", () => {
    for (const id of SEED_OUTPUTS) expect(primary.Outputs[id]).toBeDefined();
    expect(
      Object.keys(primary.Outputs)
        .filter((id) => !SEED_OUTPUTS.includes(id))
        .sort(),
    ).toEqual(['PrimaryApiEndpoint', 'ReplicationLatencyAlarmName', 'RpoTargetSeconds', 'SecondaryKMSKeyArn']);
    // dr:check reads its RPO target here, never from the alarm it judges.
    expect(primary.Outputs.RpoTargetSeconds.Value).toBe('60');
    for (const [id, o] of Object.entries(primary.Outputs)) {
      expect(o.Description.length).toBeGreaterThan(15);
      expect(o.Export.Name).toEqual({ 'Fn::Sub': `tap-dr-\${EnvironmentSuffix}-${id}` });
    }
  });

  it('every Ref, GetAtt and Sub variable resolves, in resources and outputs', () => {
    expect(referencesIn(primary.Resources).length).toBeGreaterThan(40);
    expect(danglingReferences(primary)).toEqual([]);
  });

  it('the reference check catches a dangling reference', () => {
    const broken = JSON.parse(JSON.stringify(primary)) as Template;
    broken.Resources.AlertSNSTopic.Properties.KmsMasterKeyId = { 'Fn::Sub': '${Missing.Arn}' };
    broken.Outputs.KMSKeyId.Value = { Ref: 'Nope' };
    expect(danglingReferences(broken).map((r) => r.target)).toEqual(['Missing', 'Nope']);
  });

  describe('removal policy', () => {
    const stateful = [
      'TransactionKMSKey',
      'TransactionDynamoDBTable',
      'TransactionDocumentsBucket',
      'TransactionProcessorLogGroup',
    ];

    it('deletes by default so test stacks tear down (no Retain anywhere)', () => {
      expect(JSON.stringify(primary)).not.toContain('Retain');
      for (const id of stateful) expect(primary.Resources[id].DeletionPolicy).toBe('Delete');
      for (const r of props(primary, 'TransactionDynamoDBTable').Replicas)
        expect(r.DeletionProtectionEnabled).toBe(false);
    });

    it('retains stateful resources and protects the table with RETAIN_ON_DELETE=true', () => {
      const { primary: p, secondary: s } = templatesFor({ RETAIN_ON_DELETE: 'true' });
      for (const id of stateful) {
        expect(p.Resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
      expect(s.Resources.SecondaryKMSKey).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      for (const r of props(p, 'TransactionDynamoDBTable').Replicas) expect(r.DeletionProtectionEnabled).toBe(true);
      expect(props(p, 'TransactionKMSKey').PendingWindowInDays).toBe(30);
    });
  });

  it('carries reserved concurrency only when configured', () => {
    const { primary: p } = templatesFor({ LAMBDA_RESERVED_CONCURRENCY: '20' });
    expect(props(p, 'TransactionProcessorFunction').ReservedConcurrentExecutions).toBe(20);
  });
});

describe('TapStack-secondary.json (secondary-region key and standby tier)', () => {
  const { primary, secondary } = templatesFor();
  const OUTSIDE_THE_TIER = [
    'TransactionKMSKey',
    'TransactionKMSAlias',
    'TransactionDynamoDBTable',
    'CrossRegionAssumeRole',
  ];
  const primaryTier = Object.keys(primary.Resources).filter((id) => !OUTSIDE_THE_TIER.includes(id));
  const STANDBY_KEY = { 'Fn::GetAtt': ['SecondaryKMSKey', 'Arn'] };

  it('creates a rotating customer-managed key with the same alias and exports its ARN', () => {
    expect(secondary.Resources.SecondaryKMSKey).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: { EnableKeyRotation: true },
    });
    expect(secondary.Resources.SecondaryKMSAlias.Properties.AliasName).toEqual({
      'Fn::Sub': 'alias/transaction-encryption-${EnvironmentSuffix}',
    });
    expect(secondary.Outputs.SecondaryKMSKeyArn.Value).toEqual({ 'Fn::GetAtt': ['SecondaryKMSKey', 'Arn'] });
    expect(danglingReferences(secondary)).toEqual([]);
  });

  it("renders the primary's regional tier, resource for resource, under Standby-prefixed logical ids", () => {
    expect(primaryTier.length).toBeGreaterThan(30);
    expect(Object.keys(secondary.Resources).sort()).toEqual(
      ['SecondaryKMSAlias', 'SecondaryKMSKey', ...primaryTier.map((id) => `Standby${id}`)].sort(),
    );
    for (const id of primaryTier)
      expect([id, secondary.Resources[`Standby${id}`].Type]).toEqual([id, primary.Resources[id].Type]);
  });

  it('puts the whole tier under the StandbyTier switch, on by default exactly when STANDBY_PROCESSOR is', () => {
    expect(secondary.Parameters.StandbyTier).toMatchObject({
      Type: 'String',
      Default: 'true',
      AllowedValues: ['true', 'false'],
    });
    expect(templatesFor({ STANDBY_PROCESSOR: 'false' }).secondary.Parameters.StandbyTier.Default).toBe('false');
    expect(secondary.Conditions!.StandbyTierEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'StandbyTier' }, 'true'] });
    const standbyDependent = STANDBY_DEPENDENT.map((id) => `Standby${id}`).sort();
    expect(resourcesUnder(secondary, 'FailsBackToPrimary')).toEqual(standbyDependent);
    expect(resourcesUnder(secondary, 'StandbyTierEnabled')).toEqual(
      primaryTier
        .map((id) => `Standby${id}`)
        .filter((id) => !standbyDependent.includes(id))
        .sort(),
    );
    for (const id of [
      'StandbyLambdaFunctionArn',
      'StandbyApiEndpoint',
      'SecondaryS3BucketName',
      'SecondarySNSTopicArn',
    ]) {
      expect([id, secondary.Outputs[id].Condition]).toEqual([id, 'StandbyTierEnabled']);
    }
    expect(secondary.Outputs.SecondaryKMSKeyArn.Condition).toBeUndefined();
  });

  it('replicates documents back into the primary bucket (failback), re-encrypted with the primary key, once both primary outputs are given', () => {
    expect(secondary.Parameters.PrimaryKMSKeyArn).toMatchObject({ Default: '' });
    expect(secondary.Parameters.PrimaryS3BucketName).toMatchObject({ Default: '' });
    expect(secondary.Conditions!.FailsBackToPrimary).toEqual({
      'Fn::And': [{ Condition: 'StandbyTierEnabled' }, { Condition: 'HasPrimaryOutputs' }],
    });
    expect(secondary.Conditions!.HasPrimaryOutputs).toEqual({
      'Fn::And': [
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PrimaryKMSKeyArn' }, ''] }] },
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PrimaryS3BucketName' }, ''] }] },
      ],
    });
    const [condition, configuration] = props(secondary, 'StandbyTransactionDocumentsBucket').ReplicationConfiguration[
      'Fn::If'
    ];
    expect(condition).toBe('FailsBackToPrimary');
    expect(configuration.Role).toEqual({ 'Fn::GetAtt': ['StandbyDocumentReplicationRole', 'Arn'] });
    expect(configuration.Rules[0]).toMatchObject({
      Id: 'documents-to-primary',
      Destination: {
        Bucket: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${PrimaryS3BucketName}' },
        EncryptionConfiguration: { ReplicaKmsKeyID: { Ref: 'PrimaryKMSKeyArn' } },
      },
    });
    expect(props(secondary, 'StandbyDocumentReplicationRole').RoleName).toEqual({
      'Fn::Sub': 'tap-dr-docs-failback-${EnvironmentSuffix}',
    });
  });

  it('gives every IAM role a name of its own across both templates (IAM is global)', () => {
    const roleNames = [primary, secondary].flatMap((t) =>
      Object.values(t.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Role')
        .map((r) => JSON.stringify(r.Properties.RoleName)),
    );
    expect(roleNames.length).toBe(9); // processor, heartbeat, health, replication in each region; the cross-region role
    expect(new Set(roleNames).size).toBe(roleNames.length);
    expect(props(secondary, 'StandbyLambdaExecutionRole').RoleName).toEqual({
      'Fn::Sub': 'tap-dr-processor-${EnvironmentSuffix}.standby',
    });
    expect(props(secondary, 'StandbyHeartbeatFunctionRole').RoleName).toEqual({
      'Fn::Sub': 'tap-dr-heartbeat-${EnvironmentSuffix}.standby',
    });
  });

  it("uses the table's replica in its own region (created by the primary's global table) and its own region's key", () => {
    const fn = props(secondary, 'StandbyTransactionProcessorFunction');
    expect(fn.Environment.Variables).toMatchObject({
      DYNAMODB_TABLE_NAME: { 'Fn::Sub': 'transactions-${EnvironmentSuffix}' },
      S3_BUCKET_NAME: { Ref: 'StandbyTransactionDocumentsBucket' },
      DOCUMENTS_KMS_KEY_ARN: STANDBY_KEY,
    });
    const policy = props(secondary, 'StandbyLambdaExecutionRole').Policies[0].PolicyDocument;
    expect(policy.Statement.find((st: any) => st.Sid === 'TransactionsTable').Resource).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/transactions-${EnvironmentSuffix}',
    });
    const keyed = Object.entries(secondary.Resources).flatMap(([id, r]) => {
      const p = r.Properties as Record<string, any>;
      const key =
        p.KmsKeyArn ??
        p.KmsKeyId ??
        p.KmsMasterKeyId ??
        p.KMSKeyId ??
        p.BucketEncryption?.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
      return key === undefined ? [] : [[id, key]];
    });
    expect(keyed.length).toBe(11); // 3 functions, 4 log groups (the API's included), topic, trail, documents and trail buckets
    for (const [id, key] of keyed) expect([id, key]).toEqual([id, STANDBY_KEY]);
  });

  it("lets the standby key serve the standby tier's logs, trail and alarms in its own region", () => {
    const sids = props(secondary, 'SecondaryKMSKey').KeyPolicy.Statement.map((st: any) => st.Sid);
    expect(sids).toEqual(props(primary, 'TransactionKMSKey').KeyPolicy.Statement.map((st: any) => st.Sid));
    expect(JSON.stringify(props(secondary, 'SecondaryKMSKey').KeyPolicy)).not.toContain('SecondaryRegion');
  });

  it("watches the primary's heartbeat into its own topic, under -standby alarm names", () => {
    const alarm = props(secondary, 'StandbyHeartbeatStalenessAlarm');
    expect(alarm.AlarmName).toEqual({ 'Fn::Sub': 'tap-dr-${EnvironmentSuffix}.heartbeat-staleness-standby' });
    expect(alarm.Dimensions).toEqual([
      { Name: 'SourceRegion', Value: { Ref: 'PrimaryRegion' } },
      { Name: 'ReceivingRegion', Value: { Ref: 'AWS::Region' } },
    ]);
    expect(alarm.AlarmActions).toEqual([{ Ref: 'StandbyAlertSNSTopic' }]);
    expect(props(secondary, 'StandbyReplicationLatencyAlarm').Dimensions[1]).toEqual({
      Name: 'ReceivingRegion',
      Value: { Ref: 'PrimaryRegion' },
    });
    expect(props(secondary, 'StandbyHeartbeatFunction').Environment.Variables.PEER_REGION).toEqual({
      'Fn::If': ['FailsBackToPrimary', { Ref: 'PrimaryRegion' }, ''],
    });
  });

  it('refuses a primary region equal to its own, and one of the primary outputs without the other', () => {
    expect(JSON.stringify(secondary.Rules)).toContain(
      '{"Fn::Not":[{"Fn::Equals":[{"Ref":"PrimaryRegion"},{"Ref":"AWS::Region"}]}]}',
    );
    expect(secondary.Parameters.PrimaryRegion.Default).toBe('us-east-1');
    const [both] = (secondary.Rules as any).PrimaryOutputsTogether.Assertions;
    const holds = (key: string, bucket: string): boolean => {
      const values: Record<string, string> = { PrimaryKMSKeyArn: key, PrimaryS3BucketName: bucket };
      const evaluate = (e: any): any => {
        if (e.Ref) return values[e.Ref];
        if (e['Fn::Equals']) return evaluate(e['Fn::Equals'][0]) === e['Fn::Equals'][1];
        if (e['Fn::Not']) return !evaluate(e['Fn::Not'][0]);
        if (e['Fn::And']) return e['Fn::And'].every(evaluate);
        if (e['Fn::Or']) return e['Fn::Or'].some(evaluate);
        throw new Error(JSON.stringify(e));
      };
      return evaluate(both.Assert);
    };
    expect([holds('', ''), holds('arn:k', 'bucket'), holds('arn:k', ''), holds('', 'bucket')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("retains the standby tier's stateful resources with RETAIN_ON_DELETE=true, and deletes them by default", () => {
    const stateful = [
      'StandbyTransactionDocumentsBucket',
      'StandbyDocumentsTrailBucket',
      'StandbyTransactionProcessorLogGroup',
      'StandbyApiAccessLogGroup',
    ];
    for (const id of stateful) expect(secondary.Resources[id].DeletionPolicy).toBe('Delete');
    const { secondary: s } = templatesFor({ RETAIN_ON_DELETE: 'true' });
    for (const id of stateful)
      expect(s.Resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('both templates', () => {
  it('resolve every Ref, GetAtt, Sub and condition', () => {
    const configs: Array<Record<string, string>> = [
      {},
      { STANDBY_PROCESSOR: 'false' },
      { RETAIN_ON_DELETE: 'true', ALERT_EMAIL: 'oncall@example.com' },
    ];
    for (const env of configs) {
      const t = templatesFor(env);
      for (const template of [t.primary, t.secondary]) {
        expect(danglingReferences(template)).toEqual([]);
        expect(undeclaredConditions(template)).toEqual([]);
      }
    }
  });

  it('the condition check catches an undeclared condition', () => {
    const broken = JSON.parse(JSON.stringify(templatesFor().secondary)) as Template;
    delete broken.Conditions!.FailsBackToPrimary;
    expect(undeclaredConditions(broken)).toEqual(['FailsBackToPrimary']);
  });

  it('are deterministic: the same configuration gives the same bytes', () => {
    expect(JSON.stringify(templatesFor({ ALERT_EMAIL: 'oncall@example.com' }))).toBe(
      JSON.stringify(templatesFor({ ALERT_EMAIL: 'oncall@example.com' })),
    );
  });

  it("take each other's outputs under the output's own name, where the meaning is the same", () => {
    const { primary, secondary } = templatesFor();
    for (const id of ['SecondaryKMSKeyArn', 'SecondaryS3BucketName'])
      expect([id, primary.Parameters[id] !== undefined]).toEqual([id, secondary.Outputs[id] !== undefined]);
    for (const [param, output] of [
      ['PrimaryKMSKeyArn', 'KMSKeyArn'],
      ['PrimaryS3BucketName', 'S3BucketName'],
    ]) {
      expect(secondary.Parameters[param].Description).toContain(`${output} output of TapStack.json`);
      expect(primary.Outputs[output]).toBeDefined();
    }
  });
});
