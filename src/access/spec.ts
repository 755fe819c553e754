/** The access component's spec: the cross-region role for failover automation and break-glass operators. */
import { Dialect, Env, PolicyDocument, regionalArn } from '../dialect';
import { dynamodbKeyStatement } from '../keys/spec';
import { names, NameParts } from '../naming';
import { table } from '../table/spec';
import { tableArnIn } from '../table/spec';

/** One hour: a failover runbook's session, not a standing credential. */
export const CROSS_REGION_ROLE = { maxSessionDuration: 3600, policyName: 'cross-region-access' } as const;

export const CROSS_REGION_ROLE_DESCRIPTION =
  'Failover automation and break-glass operators: read the transactions table in either region, write through the processor';

/** Who may assume the cross-region role: exactly the configured roles, never the account root. */
export function crossRegionTrustPolicy<T>(principals: ReadonlyArray<string | T> | T): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConfiguredPrincipalsOnly',
        Effect: 'Allow',
        Principal: { AWS: (Array.isArray(principals) ? [...principals] : principals) as Array<string | T> },
        Action: ['sts:AssumeRole'],
      },
    ],
  };
}

export interface CrossRegionRefs<T> {
  readonly primaryKeyArn: string | T;
  readonly secondaryKeyArn: string | T;
}

/**
 * What the cross-region role serves: failover automation and break-glass operators. They
 * read the table in either region (verification, reconciliation) and write only through
 * the processor, so every write is validated and idempotent. The keys are usable only
 * through DynamoDB in their own region, for the stack's table.
 */
export function crossRegionPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: CrossRegionRefs<T>): PolicyDocument<T> {
  const tables = [e.region, e.peerRegion].map((region) => tableArnIn(d, e, region, names.table(p)));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadTransactionsTableInBothRegions',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [...tables, ...tables.map((t) => d.join(t, '/index/', table.gsi.name))],
      },
      {
        // Writes go through the processor in whichever region is up: validated and idempotent.
        Sid: 'ProcessorInBothRegions',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [e.region, e.peerRegion].map((region) =>
          regionalArn(d, e, 'lambda', region, `function:${names.processorFunction(p)}`),
        ),
      },
      dynamodbKeyStatement(d, e, 'PrimaryKeyThroughDynamoDB', r.primaryKeyArn, e.region, names.table(p)),
      dynamodbKeyStatement(d, e, 'SecondaryKeyThroughDynamoDB', r.secondaryKeyArn, e.peerRegion, names.table(p)),
    ],
  };
}
