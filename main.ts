/**
 * Entry point: `npm run synth` (node --require tsx/cjs main.ts) and cdktf-cli's "app".
 *
 * Lazy require() rather than import(): tsx's CommonJS hook is ~0.4 s faster to start than
 * its ESM loader, and `--only cloudformation` never pays for cdktf and the provider.
 *
 *   tsx main.ts                       Terraform stack + CloudFormation templates
 *   tsx main.ts --only terraform      Terraform stack only
 *   tsx main.ts --only cloudformation CloudFormation templates only (never loads cdktf)
 *
 * The configuration is validated before anything is built or written. Progress goes to stdout
 * and only failures to stderr: cdktf-cli labels everything its app writes to stderr "[ERROR]".
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, hclOutputRefusal, TapConfig } from './src/config';
import { buildLambdaBundle, LambdaBundle, PROJECT_ROOT } from './src/lambda-bundle';
import { projectConfig } from './src/project-config';

type Target = 'terraform' | 'cloudformation';

function parseTargets(argv: readonly string[]): Target[] {
  const i = argv.indexOf('--only');
  if (i === -1) return ['terraform', 'cloudformation'];
  const v = argv[i + 1];
  if (v !== 'terraform' && v !== 'cloudformation') {
    throw new ConfigError([`--only ${JSON.stringify(v ?? '')} is invalid: expected "terraform" or "cloudformation"`]);
  }
  return [v];
}

function synthTerraform(config: TapConfig, bundle: LambdaBundle, outdir: string): string {
  const { App } = require('cdktf') as typeof import('cdktf');
  const { TapStack } = require('./src/tap-stack') as typeof import('./src/tap-stack');
  const { names } = require('./src/naming') as typeof import('./src/naming');
  const app = new App({ outdir });
  const stackName = names.stack({ suffix: config.environmentSuffix });
  new TapStack(app, stackName, { config, lambdaArchive: bundle });
  app.synth();
  const dir = path.join(outdir, 'stacks', stackName);
  // A cdk.tf left by an earlier `cdktf synth --hcl` would sit beside cdk.tf.json, and Terraform
  // would read both: every resource declared twice.
  fs.rmSync(path.join(dir, 'cdk.tf'), { force: true });
  return dir;
}

function synthCloudFormation(config: TapConfig, bundle: LambdaBundle, outdir: string): string[] {
  const { writeCloudFormationTemplates } = require('./src/cloudformation') as typeof import('./src/cloudformation');
  return writeCloudFormationTemplates(config, bundle.code, path.join(outdir, 'cloudformation'));
}

async function main(): Promise<void> {
  const hcl = hclOutputRefusal();
  if (hcl) {
    process.stderr.write(`${hcl}\n`);
    process.exit(2);
  }
  const targets = parseTargets(process.argv.slice(2));
  const config = projectConfig();
  const outdir = process.env.CDKTF_OUTDIR ?? path.join(PROJECT_ROOT, 'cdktf.out');
  const bundle = buildLambdaBundle();
  const log = (msg: string) => process.stdout.write(`${msg}\n`);
  log(`lambda bundle: ${bundle.bytes} bytes (${path.relative(process.cwd(), bundle.file)})`);
  if (targets.includes('terraform')) {
    log(`terraform stack: ${path.relative(process.cwd(), synthTerraform(config, bundle, outdir))}`);
  }
  if (targets.includes('cloudformation')) {
    for (const f of synthCloudFormation(config, bundle, outdir)) {
      log(`cloudformation: ${path.relative(process.cwd(), f)}`);
    }
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\nNothing was written.\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
