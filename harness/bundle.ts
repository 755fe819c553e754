import { execFile } from 'child_process';
import * as path from 'path';
import { buildLambdaBundle, LambdaBundle, PROJECT_ROOT } from '../src/lambda-bundle';

let bundle: LambdaBundle | undefined;

/** The real handler bundle, built once per test worker. Inside the project, so that the
 *  bundle's require('@aws-sdk/...') resolves from node_modules as it does in Lambda. */
export function testBundle(): LambdaBundle {
  bundle ??= buildLambdaBundle(path.join(PROJECT_ROOT, 'dist', `test-bundle-${process.env.JEST_WORKER_ID ?? '0'}`));
  return bundle;
}

/**
 * Runs one export of a built bundle as Lambda would, in a node process of its own with exactly
 * `env` (the function's variables, region, endpoint, credentials): harness/invoke-bundle.js. The
 * results, one per call, in order.
 */
export function invokeBundle<R>(
  bundleFile: string,
  exportName: string,
  calls: ReadonlyArray<{ event: unknown; requestId: string }>,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<R[]> {
  const runner = path.join(__dirname, 'invoke-bundle.js');
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [runner, bundleFile, exportName, JSON.stringify(calls)],
      { env, cwd: PROJECT_ROOT, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`the handler's runner printed something other than its results: ${stdout}\n${stderr}`));
        }
      },
    ),
  );
}
