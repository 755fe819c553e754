/** The table component's spec: schema, stream and billing, and a replica's ARN in its region. */
import { Dialect, Env, regionalArn } from '../dialect';

export const table = {
  partitionKey: 'transactionId',
  gsi: { name: 'account-created-index', partitionKey: 'accountId', sortKey: 'createdAt' },
  /** Replication needs both images (the seed's global table requirement). */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** Attributes, key schema and index in the shape both the DynamoDB API and CloudFormation use. */
export function tableKeySchema() {
  return {
    AttributeDefinitions: [
      { AttributeName: table.partitionKey, AttributeType: 'S' as const },
      { AttributeName: table.gsi.partitionKey, AttributeType: 'S' as const },
      { AttributeName: table.gsi.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: table.gsi.name,
        KeySchema: [
          { AttributeName: table.gsi.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: table.gsi.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}

/** A global table's ARN in one of its regions: every replica has the same name. */
export function tableArnIn<T>(d: Dialect<T>, e: Env<T>, region: string | T, tableName: string | T): string | T {
  return regionalArn(d, e, 'dynamodb', region, d.join('table/', tableName));
}
