/**
 * `npm run bench:lambda`: the transaction processor against moto_server (local emulator).
 *
 *  - handler vs a bare PutItem of the same item through the same client code
 *    (lambda/aws.ts): median and p99 latency and throughput, sequential, in alternating rounds (BENCH_ROUNDS, 5) of
 *    BENCH_REQUESTS (300) each, reporting the median round;
 *  - cold init: requiring the bundle in a fresh node process (median of 9), and the first
 *    invocation after it, which loads the AWS SDK (the runtime provides it, so it is lazy);
 *  - the bundle size, and whether CloudFormation can inline it.
 *
 * Exits 1 when a target is missed.
 */
import { spawnSync } from 'child_process';
import { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { createAwsPort } from '../lambda/aws';
import { toItem } from '../lambda/processor';
import { validate } from '../lambda/validate';
import { lambdaCode, ZIPFILE_MAX_CHARS } from '../src/cloudformation';
import { buildLambdaBundle } from '../src/lambda-bundle';
import { createFixture, useEmulator } from '../harness/aws-fixture';
import { startMoto } from '../emulator/moto';
import { median } from './measure';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

interface Round {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly perSecond: number;
}

async function round(call: () => Promise<unknown>): Promise<Round> {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) {
    const t = process.hrtime.bigint();
    await call();
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { medianMs: median(latencies), p99Ms: percentile(latencies, 99), perSecond: (REQUESTS * 1000) / totalMs };
}

const medianRound = (rounds: Round[]): Round => ({
  medianMs: median(rounds.map((r) => r.medianMs)),
  p99Ms: median(rounds.map((r) => r.p99Ms)),
  perSecond: median(rounds.map((r) => r.perSecond)),
});

function coldInit(bundleFile: string, env: Record<string, string>) {
  const script = `
    console.log = () => undefined;
    const t0 = process.hrtime.bigint();
    const { handler } = require(${JSON.stringify(bundleFile)});
    const t1 = process.hrtime.bigint();
    handler({ transactionId: 'cold-' + process.pid, accountId: 'a', amount: '1', currency: 'USD', type: 'debit' }, { awsRequestId: 'cold' })
      .then((r) => {
        if (r.statusCode !== 201) throw new Error('unexpected ' + r.statusCode);
        const t2 = process.hrtime.bigint();
        process.stdout.write(JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, firstInvokeMs: Number(t2 - t1) / 1e6 }));
      });`;
  const runs = Array.from({ length: 9 }, () => {
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { requireMs: number; firstInvokeMs: number };
  });
  return { requireMs: median(runs.map((r) => r.requireMs)), firstInvokeMs: median(runs.map((r) => r.firstInvokeMs)) };
}

async function main(): Promise<void> {
  const bundle = buildLambdaBundle();
  const moto = await startMoto();
  try {
    useEmulator(moto.endpoint);
    process.env.NODE_NO_WARNINGS = '1';
    const f = await createFixture(moto.endpoint, 'bench');
    Object.assign(process.env, f.lambdaEnv);
    // The handler's log lines are not what is measured (it binds console.log when loaded).
    const log = console.log;
    console.log = () => undefined;
    const { handler } = require(bundle.file) as {
      handler: (e: unknown, c: unknown) => Promise<{ statusCode: number }>;
    };
    const aws = createAwsPort(Number(f.lambdaEnv.AWS_CALL_TIMEOUT_MS));

    let n = 0;
    const event = { accountId: 'acct-1', amount: '12.34', currency: 'USD', type: 'debit' };
    const viaHandler = async () => {
      const r = await handler({ ...event, transactionId: `h-${n++}` }, { awsRequestId: 'bench' });
      if (r.statusCode !== 201) throw new Error(`handler answered ${r.statusCode}`);
    };
    // The very item the handler writes, so the difference is the handler's own work.
    const item = toItem({
      ...validate({ ...event, transactionId: 'x' }, { caller: 'direct' }).transaction,
      entryPoint: 'direct',
      createdAt: new Date().toISOString(),
      processedRegion: 'us-east-1',
      requestId: 'bench',
    });
    const barePut = () =>
      aws.putItem({
        TableName: f.tableName,
        Item: { ...item, transactionId: { S: `p-${n++}` } },
        ConditionExpression: 'attribute_not_exists(transactionId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      } satisfies PutItemCommandInput);

    await round(viaHandler); // warm-up: SDK loaded, connections open
    await round(barePut);
    const handlerRounds: Round[] = [];
    const bareRounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      handlerRounds.push(await round(viaHandler));
      bareRounds.push(await round(barePut));
    }
    console.log = log;
    const h = medianRound(handlerRounds);
    const b = medianRound(bareRounds);
    const ratio = h.perSecond / b.perSecond;
    const cold = coldInit(bundle.file, { ...f.lambdaEnv, AWS_ENDPOINT_URL: moto.endpoint });
    // The emitter's own decision: inline when the bundle fits Code.ZipFile, else package it.
    const inlined = typeof lambdaCode(bundle.code) !== 'string';

    const fmt = (x: number) => x.toFixed(2);
    const rows = [
      '| measure | handler | bare PutItem | target | result |',
      '|---|---|---|---|---|',
      `| median latency | ${fmt(h.medianMs)} ms | ${fmt(b.medianMs)} ms | - | - |`,
      `| p99 latency | ${fmt(h.p99Ms)} ms | ${fmt(b.p99Ms)} ms | - | - |`,
      `| throughput (sequential) | ${h.perSecond.toFixed(0)}/s | ${b.perSecond.toFixed(0)}/s | handler >= 85% of bare | ${(ratio * 100).toFixed(1)}% ${ratio >= 0.85 ? 'ok' : 'MISSED'} |`,
      `| cold init: require the bundle | ${fmt(cold.requireMs)} ms | - | <= 30 ms | ${cold.requireMs <= 30 ? 'ok' : 'MISSED'} |`,
      `| first invocation (loads the SDK) | ${fmt(cold.firstInvokeMs)} ms | - | - | - |`,
      `| bundle size (SDK external) | ${bundle.bytes} B | - | <= ${ZIPFILE_MAX_CHARS} B where inlined | ${inlined ? 'inlined, ok' : 'packaged (aws cloudformation package), not inlined'} |`,
    ];
    process.stdout.write(
      `${ROUNDS} rounds x ${REQUESTS} sequential requests against moto_server; medians of rounds\n${rows.join('\n')}\n`,
    );
    process.exitCode = ratio >= 0.85 && cold.requireMs <= 30 ? 0 : 1;
  } finally {
    await moto.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
