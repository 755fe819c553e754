import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { table, tableKeySchema } from './design';
import { names, NameParts } from './naming';
import { retainLifecycle } from './tf-support';

export interface TransactionTableProps {
  readonly names: NameParts;
  readonly secondaryRegion: string;
  /** Customer-managed key in the primary region. */
  readonly primaryKeyArn: string;
  /** Customer-managed key in the secondary region (a replica encrypts only with a key in its own region). */
  readonly secondaryKeyArn: string;
  readonly retainOnDelete: boolean;
}

/**
 * The transactions global table: on-demand, streams for replication, point-in-time
 * recovery and a customer-managed key in both regions.
 */
export class TransactionTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: TransactionTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, 'table', {
      name: names.table(props.names),
      billingMode: table.billingMode,
      hashKey: table.partitionKey,
      attribute: tableKeySchema().AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
      globalSecondaryIndex: [
        {
          name: table.gsi.name,
          hashKey: table.gsi.partitionKey,
          rangeKey: table.gsi.sortKey,
          projectionType: 'ALL',
        },
      ],
      streamEnabled: true,
      streamViewType: table.streamViewType,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.primaryKeyArn },
      replica: [
        {
          regionName: props.secondaryRegion,
          kmsKeyArn: props.secondaryKeyArn,
          pointInTimeRecovery: true,
          propagateTags: true,
        },
      ],
      deletionProtectionEnabled: props.retainOnDelete,
      lifecycle: retainLifecycle(props.retainOnDelete),
    });
  }
}
