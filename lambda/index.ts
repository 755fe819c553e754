/**
 * Lambda entry point of the one bundle: `index.handler` (the transaction processor),
 * `index.heartbeat` (the replication canary) and `index.health` (GET /health). Plain
 * CommonJS exports, so the esbuild bundle needs no ESM interop wrapper.
 *
 * Each export is built on first access: Lambda's Node runtime reads `index.<name>` once
 * while it initializes, so each function checks only its own environment, once, at cold
 * start, and a misconfigured function fails to initialize with an error naming the
 * variable. (The heartbeat function has no S3_BUCKET_NAME; the processor's check must not
 * run there.)
 */
import { HANDLERS } from '../src/heartbeat-contract';
import { createAwsPort } from './aws';
import { readProcessorEnv } from './env';
import { healthHandler } from './health';
import { heartbeatHandler } from './heartbeat';
import { createProcessor } from './processor';

type Handler = (event: unknown, context?: { awsRequestId?: string }) => Promise<unknown>;

function exportOnFirstUse(name: string, build: () => Handler): void {
  let built: Handler | undefined;
  Object.defineProperty(exports, name, { enumerable: true, get: () => (built ??= build()) });
}

exportOnFirstUse(HANDLERS.processor, () => {
  const settings = readProcessorEnv(process.env);
  const processTransaction = createProcessor({ aws: createAwsPort(settings.callTimeoutMs), ...settings });
  return (event: unknown, context?: { awsRequestId?: string }) =>
    processTransaction(event, context?.awsRequestId ?? 'local');
});
exportOnFirstUse(HANDLERS.heartbeat, () => heartbeatHandler(process.env));
exportOnFirstUse(HANDLERS.health, () => healthHandler(process.env));
