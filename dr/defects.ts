/**
 * The defects `npm run dr:drill -- --self-test` plants, one at a time, and the figure each must
 * make miss its target. None edits the product: each goes through an injection point of the
 * emulator (a gateway fault, the replicator's drop switch), the failover client's options, or the
 * drill's own harness (a resubmitting caller, the alarm definition the evaluator is given).
 */
import { createFailoverClient } from '../client';
import { GATEWAY_CREDENTIALS } from '../emulator/gateway-control';
import type { AlarmDefinition } from './alarm-eval';
import type { Plant, Running, ScheduleResult } from './drill';
import type { Op } from './history';
import type { FaultMode } from './schedule';

export type Defect =
  | {
      readonly kind: 'schedule';
      readonly name: string;
      readonly figure: string;
      readonly mode: FaultMode;
      readonly plant: Plant;
      readonly read: (s: ScheduleResult) => number | null;
      readonly missed: (v: number | null) => boolean;
    }
  | { readonly kind: 'baseline'; readonly name: string; readonly figure: string; readonly plant: Plant }
  | {
      readonly kind: 'detection';
      readonly name: string;
      readonly figure: string;
      readonly override: (d: AlarmDefinition) => AlarmDefinition;
    };

const positive = (v: number | null) => v !== null && v > 0;

/** Resubmits, during the outage, transactions the primary acknowledged just before the cut, with another amount. */
async function splitBrain(r: Running, ops: Op[]): Promise<void> {
  await new Promise((ok) => setTimeout(ok, 300));
  const client = createFailoverClient({
    primary: { endpoint: r.gateways.primary.url, region: r.regions.primary },
    standby: { endpoint: r.gateways.standby.url, region: r.regions.standby },
    credentials: GATEWAY_CREDENTIALS,
    deadlines: { requestMs: 1500, totalMs: 4000 },
  });
  const recent = ops.filter((op) => op.outcome === 'ok' && op.region === 'primary').slice(-8);
  for (const op of recent) {
    await client
      .submit({ transactionId: op.id, accountId: 'acct-0', amount: '999.99', currency: 'EUR', type: 'debit' })
      .catch(() => undefined);
  }
  client.close();
}

export const DEFECTS: readonly Defect[] = [
  {
    kind: 'schedule',
    name: 'standby acknowledges without writing',
    figure: 'lostAcknowledged',
    mode: 'refuse',
    plant: {
      before: (r) => r.gateways.standby.fault({ mode: 'ack-without-write' }),
      after: (r) => r.gateways.standby.fault({ mode: 'up' }),
    },
    read: (s) => s.counts.lostAcknowledged,
    missed: positive,
  },
  {
    kind: 'schedule',
    name: 'table replication drops items',
    figure: 'lostAcknowledged',
    mode: 'refuse',
    plant: {
      before: (r) => r.emu.replication.set({ drop: { dynamodb: 0.3 } }),
      after: (r) => r.emu.replication.set({ drop: {} }),
    },
    read: (s) => s.counts.lostAcknowledged,
    missed: positive,
  },
  {
    kind: 'schedule',
    name: 'document replication drops objects',
    figure: 'documentsMissing',
    mode: 'refuse',
    plant: {
      before: (r) => r.emu.replication.set({ drop: { s3: 0.5 } }),
      after: (r) => r.emu.replication.set({ drop: {} }),
    },
    read: (s) => s.counts.documentsMissing,
    missed: positive,
  },
  {
    kind: 'schedule',
    name: 'client never fails over on a timeout',
    figure: 'recoveryP99Ms',
    mode: 'blackhole',
    plant: { client: { failoverOn: ['server-error', 'network-error'] } },
    read: (s) => s.recoveryP99Ms,
    missed: (v) => v === null || v > 2 * 1500,
  },
  {
    kind: 'schedule',
    name: 'client fails back before replication caught up',
    figure: 'failbackUnreplicated',
    // 503s from the processor: /health stays ok, so the client probes, fails back and fails over again,
    // every time with its latest standby writes still in flight.
    mode: '5xx',
    plant: { client: { failback: 'healthy' } },
    read: (s) => s.counts.failbackUnreplicated,
    missed: positive,
  },
  {
    kind: 'schedule',
    name: 'split-brain resubmission of acknowledged ids with other content',
    figure: 'overwrittenAcknowledged',
    mode: 'refuse',
    plant: { atCut: splitBrain },
    read: (s) => s.counts.overwrittenAcknowledged,
    missed: positive,
  },
  {
    kind: 'baseline',
    name: 'heartbeat stops after one beat',
    figure: 'falseAlarms',
    plant: {
      before: async (r) => {
        await r.gateways.primary.fault({ mode: 'up', beats: 1 });
        await new Promise((ok) => setTimeout(ok, 2000));
      },
      after: (r) => r.gateways.primary.fault({ mode: 'up', beats: true }),
    },
  },
  {
    kind: 'detection',
    name: 'staleness alarm can never fire',
    figure: 'stalenessDetectedAfterMs',
    // The evaluator is handed a definition no staleness can breach and that never reads silence as bad.
    override: (d) => ({ ...d, threshold: Number.MAX_SAFE_INTEGER, treatMissingData: 'notBreaching' }),
  },
];
