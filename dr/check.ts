/**
 * `npm run dr:check`: verify a real tap-dr deployment's disaster-recovery posture from its outputs.
 *
 *   npm run dr:check -- --terraform-dir DIR | --terraform-outputs FILE | --cloudformation STACK --region R --secondary-region R2 [--secondary-stack NAME]
 *                       [--rto-target-seconds N] [--rpo-target-seconds N] [--document-timeout-seconds N] [--canary-timeout-seconds N]
 *
 * Checks (one table row each, per region where it applies): a canary transaction replicates
 * within the RPO target; a canary document replicates within RTC's 15 minutes, re-encrypted
 * under the secondary key; with DR_CHECK_PRINCIPALS, a canary transaction through the standby's API
 * and processor is accepted and replicates back into the primary region (record within the RPO
 * target, document within RTC under the primary key: the failback direction); PITR is on for both replicas; both keys are Enabled; every alarm
 * exists and none is in ALARM, each notifies its region's alert topic, and each topic has a
 * confirmed subscriber; the heartbeat's staleness metric is recent in both regions; both /health
 * endpoints answer 200 {"status":"ok"}; with DNS
 * failover, the deployed health check's worst case is within the RTO target. The canaries are
 * removed afterwards, whatever happened (also on Ctrl-C). Exit: 0 all passed, 1 a check failed,
 * 2 bad arguments or unreadable outputs (nothing checked). docs/DR-CHECK.md has the IAM policy it needs.
 */
import { RTO_TARGET_SECONDS } from '../src/config';
import { RPO_TARGET_SECONDS } from '../src/heartbeat-contract';
import { awsAccess, AccessOptions, AwsAccess } from './check-aws';
import { ArgError, CheckArgs, parseCheckArgs, USAGE } from './check-args';
import { Canary, documentCanary, newCanary, removeCanaries, transactionCanary } from './check-canary';
import { dnsFailoverRow, healthRows } from './check-endpoints';
import { failbackRows } from './check-failback';
import { Deployment, InputError, loadDeployment } from './check-input';
import { failed, renderTable, Row } from './check-report';
import { alarmRows, keyRows, pitrRows } from './check-state';
import { heartbeatRows, subscriptionRows } from './check-signals';

export interface CheckOptions {
  readonly rtoTargetSeconds?: number;
  readonly rpoTargetSeconds?: number;
  readonly documentTimeoutSeconds: number;
  readonly canaryTimeoutSeconds?: number;
  /** Aborts the canary polls (Ctrl-C); the canaries are still removed. */
  readonly signal?: AbortSignal;
  /** The canary to write (main prints its id before it is written); a fresh one when absent. */
  readonly canary?: Canary;
}

export interface CheckResult {
  readonly rows: Row[];
  readonly passed: boolean;
  readonly canary: Canary;
  readonly targets: { readonly rtoTargetSeconds: number; readonly rpoTargetSeconds: number; readonly rpoFrom: string };
}

/** The RPO target: --rpo-target-seconds, else the deployment's RpoTargetSeconds output (the configured
 *  target, never one read back from an alarm the check is meant to judge), else the default. */
function rpoTarget(d: Deployment, o: CheckOptions): Pick<CheckResult['targets'], 'rpoTargetSeconds' | 'rpoFrom'> {
  if (o.rpoTargetSeconds !== undefined)
    return { rpoTargetSeconds: o.rpoTargetSeconds, rpoFrom: '--rpo-target-seconds' };
  if (d.rpoTargetSeconds !== undefined)
    return { rpoTargetSeconds: d.rpoTargetSeconds, rpoFrom: 'the RpoTargetSeconds output' };
  return {
    rpoTargetSeconds: RPO_TARGET_SECONDS.default,
    rpoFrom: 'RPO_TARGET_SECONDS default (the deployment has no RpoTargetSeconds output)',
  };
}

export async function runCheck(d: Deployment, aws: AwsAccess, o: CheckOptions): Promise<CheckResult> {
  const canary = o.canary ?? newCanary();
  const rows: Row[] = [];
  const targets = { rtoTargetSeconds: o.rtoTargetSeconds ?? RTO_TARGET_SECONDS.default, ...rpoTarget(d, o) };
  const { rpoTargetSeconds, rtoTargetSeconds } = targets;
  try {
    // Every check at once, the canaries included: no row waits for another.
    const groups = await Promise.all([
      transactionCanary(d, aws, canary, {
        rpoTargetSeconds,
        timeoutMs: (o.canaryTimeoutSeconds ?? 2 * rpoTargetSeconds) * 1000,
        signal: o.signal,
      }).then((r) => [r]),
      documentCanary(d, aws, canary, { timeoutMs: o.documentTimeoutSeconds * 1000, signal: o.signal }).then((r) => [r]),
      failbackRows(d, aws, canary, {
        rpoTargetSeconds,
        timeoutMs: (o.canaryTimeoutSeconds ?? 2 * rpoTargetSeconds) * 1000,
        documentTimeoutMs: o.documentTimeoutSeconds * 1000,
        signal: o.signal,
      }),
      pitrRows(d, aws),
      keyRows(d, aws),
      alarmRows(d, aws),
      subscriptionRows(d, aws),
      heartbeatRows(d, aws),
      healthRows(d, aws),
      dnsFailoverRow(d, aws, rtoTargetSeconds).then((r) => [r]),
    ]);
    rows.push(...groups.flat());
  } finally {
    rows.push(await removeCanaries(d, aws, canary));
  }
  return { rows, passed: failed(rows).length === 0, canary, targets };
}

/** Parses argv, reads the outputs and runs the check; the exit code. Tests pass `access` to reach the emulator. */
export async function main(
  argv: readonly string[],
  access: AccessOptions = {},
  write: (s: string) => void = (s) => void process.stdout.write(s),
): Promise<number> {
  let args: CheckArgs;
  try {
    args = parseCheckArgs(argv);
  } catch (e) {
    if (!(e instanceof ArgError)) throw e;
    process.stderr.write(`dr:check: ${e.message}\n`);
    return 2;
  }
  const aws = awsAccess(access);
  let d: Deployment;
  try {
    d = await loadDeployment(args.source, aws);
  } catch (e) {
    // Unreadable outputs are a usage problem too: nothing was checked, nothing written.
    process.stderr.write(
      `dr:check: ${e instanceof InputError ? e.message : `cannot read the stack outputs: ${(e as Error)?.message ?? e}`}\n`,
    );
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('interrupted: removing the canaries'));
  process.once('SIGINT', onSignal);
  try {
    const canary = newCanary();
    write(
      `dr:check ${d.source}: ${d.primaryRegion} -> ${d.secondaryRegion}, suffix ${d.suffix}${d.standby ? ', standby tier' : ', no standby tier'}\n`,
    );
    write(
      `canaries: item ${canary.itemId}, object ${canary.objectKey}, transaction ${canary.transaction.transactionId} (removed at the end)\n`,
    );
    const result = await runCheck(d, aws, { ...args, canary, signal: stop.signal });
    const t = result.targets;
    write(
      `targets: RTO ${t.rtoTargetSeconds} s, RPO ${t.rpoTargetSeconds} s (from ${t.rpoFrom})\n\n${renderTable(result.rows)}\n`,
    );
    return result.passed ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

if (require.main === module) {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    main(process.argv.slice(2)).then(
      (code) => (process.exitCode = code),
      (e: unknown) => {
        process.stderr.write(`dr:check failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
