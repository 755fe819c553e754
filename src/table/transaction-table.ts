import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { DynamodbTableReplicaA } from '@cdktf/provider-aws/lib/dynamodb-table-replica';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { table, tableKeySchema } from './spec';
import { names, NameParts } from '../naming';

export interface TransactionTableProps {
  readonly names: NameParts;
  /** The aliased provider of the secondary region, where the replica lives. */
  readonly secondaryProvider: AwsProvider;
  /** Customer-managed key in the primary region. */
  readonly primaryKeyArn: string;
  /** Customer-managed key in the secondary region (a replica encrypts only with a key in its own region). */
  readonly secondaryKeyArn: string;
}

/**
 * The transactions global table: on-demand, streams for replication, point-in-time
 * recovery and a customer-managed key in both regions.
 *
 * The replica is its own resource (aws_dynamodb_table_replica through the aliased provider)
 * rather than the table's inline `replica` block: in provider 5.100.0 only the resource has
 * deletion_protection_enabled, so with RETAIN_ON_DELETE (src/retention-aspect.ts) the replica is protected too.
 */
export class TransactionTable extends Construct {
  readonly table: DynamodbTable;
  readonly replica: DynamodbTableReplicaA;

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
      // The provider's documented pairing with aws_dynamodb_table_replica: the table must not
      // try to manage (and so remove) replicas it does not declare inline.
      lifecycle: { ignoreChanges: ['replica'] },
    });
    this.replica = new DynamodbTableReplicaA(this, 'replica', {
      provider: props.secondaryProvider,
      globalTableArn: this.table.arn,
      kmsKeyArn: props.secondaryKeyArn,
      pointInTimeRecovery: true,
    });
  }
}
