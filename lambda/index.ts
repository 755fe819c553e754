/**
 * Lambda entry point (handler "index.handler"). Plain CommonJS export, so the esbuild
 * bundle needs no ESM interop wrapper. The environment is checked here, once, at cold
 * start: a misconfigured function fails to initialize with an error naming the variable.
 */
import { createAwsPort } from './aws';
import { readProcessorEnv } from './env';
import { createProcessor } from './processor';

const { callTimeoutMs, ...settings } = readProcessorEnv(process.env);
const processTransaction = createProcessor({ aws: createAwsPort(callTimeoutMs), ...settings });

exports.handler = (event: unknown, context?: { awsRequestId?: string }) =>
  processTransaction(event, context?.awsRequestId ?? 'local');
