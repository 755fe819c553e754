/**
 * Builds the transaction-processor bundle from lambda/ with esbuild: one minified
 * CommonJS file for nodejs22.x. The AWS SDK v3 stays external because the runtime ships it,
 * which keeps the bundle small enough to inline in the CloudFormation template.
 */
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const LAMBDA_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'index.ts');
export const DEFAULT_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist', 'lambda');

export interface LambdaBundle {
  /** Directory holding index.js: the Terraform asset. */
  readonly dir: string;
  readonly file: string;
  /** The bundle's source: the CloudFormation template inlines it. */
  readonly code: string;
  readonly bytes: number;
}

export function buildLambdaBundle(outDir: string = DEFAULT_BUNDLE_DIR): LambdaBundle {
  const result = buildSync({
    entryPoints: [LAMBDA_ENTRY],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const file = path.join(outDir, 'index.js');
  fs.mkdirSync(outDir, { recursive: true });
  // The archive must hold only index.js, so a stale file never ships or changes the hash.
  for (const f of fs.readdirSync(outDir)) if (f !== 'index.js') fs.rmSync(path.join(outDir, f), { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== code) fs.writeFileSync(file, code);
  return { dir: outDir, file, code, bytes: Buffer.byteLength(code) };
}
