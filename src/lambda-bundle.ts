/**
 * Builds the transaction-processor bundle from lambda/ with esbuild: one minified
 * CommonJS file for nodejs22.x. The AWS SDK v3 stays external because the runtime ships it.
 *
 * A build is skipped when nothing it read has changed: the stamp next to the output lists
 * every input file esbuild used and a hash over them, esbuild's version and the options.
 * That keeps `synth:cloudformation` fast without ever shipping a stale bundle.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { BuildOptions } from 'esbuild';
import { zipSingleFile } from './zip';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const LAMBDA_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'index.ts');
export const DEFAULT_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist', 'lambda');

export interface LambdaBundle {
  /** Directory holding index.js only. */
  readonly dir: string;
  readonly file: string;
  /** The bundle's source: CloudFormation inlines it or packages it. */
  readonly code: string;
  readonly bytes: number;
  /** Deterministic deployment package (index.js alone): the Terraform asset. */
  readonly zipFile: string;
  /** base64 SHA-256 of the package: what Lambda reports as CodeSha256. */
  readonly codeSha256: string;
}

const OPTIONS: BuildOptions = {
  entryPoints: [LAMBDA_ENTRY],
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'silent',
};

interface Stamp {
  /** Over esbuild's version, the options and every input file. */
  readonly hash: string;
  readonly inputs: string[];
  /** Of the output, so a hand-edited bundle is rebuilt too. */
  readonly output: string;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

function inputsHash(inputs: readonly string[]): string | undefined {
  const h = createHash('sha256').update(JSON.stringify([esbuildVersion(), OPTIONS, inputs]));
  for (const f of inputs) {
    const file = path.join(PROJECT_ROOT, f);
    if (!fs.existsSync(file)) return undefined;
    h.update(fs.readFileSync(file));
  }
  return h.digest('hex');
}

function esbuildVersion(): string {
  return (JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
}

export function buildLambdaBundle(outDir: string = DEFAULT_BUNDLE_DIR): LambdaBundle {
  const file = path.join(outDir, 'index.js');
  const stampFile = `${outDir}.stamp.json`;
  const zipFile = `${outDir}.zip`;
  const result = (code: string): LambdaBundle => {
    const zip = zipSingleFile('index.js', Buffer.from(code));
    if (!fs.existsSync(zipFile) || !fs.readFileSync(zipFile).equals(zip)) fs.writeFileSync(zipFile, zip);
    const codeSha256 = createHash('sha256').update(zip).digest('base64');
    return { dir: outDir, file, code, bytes: Buffer.byteLength(code), zipFile, codeSha256 };
  };

  if (fs.existsSync(stampFile) && fs.existsSync(file) && fs.readdirSync(outDir).join() === 'index.js') {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as Stamp;
    const code = fs.readFileSync(file, 'utf8');
    if (inputsHash(stamp.inputs) === stamp.hash && sha256(code) === stamp.output) return result(code);
  }

  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const built = buildSync({ ...OPTIONS, write: false, metafile: true, absWorkingDir: PROJECT_ROOT });
  const code = built.outputFiles[0].text;
  const inputs = Object.keys(built.metafile.inputs).sort();
  // The archive must hold only index.js, so a stale file never ships or changes the hash.
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, code);
  fs.writeFileSync(
    stampFile,
    JSON.stringify({ hash: inputsHash(inputs)!, inputs, output: sha256(code) } satisfies Stamp),
  );
  return result(code);
}
