import * as path from 'path';
import { buildLambdaBundle, LambdaBundle, PROJECT_ROOT } from '../src/lambda-bundle';

let bundle: LambdaBundle | undefined;

/** The real handler bundle, built once per test worker. Inside the project, so that the
 *  bundle's require('@aws-sdk/...') resolves from node_modules as it does in Lambda. */
export function testBundle(): LambdaBundle {
  bundle ??= buildLambdaBundle(path.join(PROJECT_ROOT, 'dist', `test-bundle-${process.env.JEST_WORKER_ID ?? '0'}`));
  return bundle;
}
