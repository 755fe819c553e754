import * as fs from 'fs';
import * as path from 'path';
import { contextFrom, loadConfig, TapConfig } from './config';
import { PROJECT_ROOT } from './lambda-bundle';

/** The configuration `npm run synth` builds: the environment over the context (cdktf-cli's over cdktf.json's). */
export function projectConfig(): TapConfig {
  const file = path.join(PROJECT_ROOT, 'cdktf.json');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return loadConfig(process.env, contextFrom(parsed.context ?? {}));
}
