/**
 * The CloudFormation deliverable, emitted from the same configuration, naming and design
 * modules as the Terraform stack:
 *
 * - TapStack-secondary.json: the secondary region's key and, under its StandbyTier switch,
 *   the warm standby tier. Deployed first, and updated last with TapStack.json's outputs.
 * - TapStack.json: the primary region's key, the global table (both replicas), the
 *   cross-region role and the primary tier, replicating documents into the standby's bucket.
 *
 * Both render one regional tier fragment (src/cloudformation/tier.ts), switched by role.
 * `npm run deploy:cloudformation` (scripts/deploy-cloudformation.sh) runs the order.
 *
 * Why two templates: a global table replica can only be encrypted with a key in the
 * replica's own region, and one CloudFormation stack creates resources in one region.
 *
 * This module must never import cdktf or the provider: emitting the templates alone is
 * meant to be fast (see `npm run bench`).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TapConfig } from './config';
import { lambdaCode, PACKAGED_CODE_DIR, TEMPLATE_FILES } from './cloudformation/common';
import { buildPrimaryTemplate as primaryTemplate } from './cloudformation/primary';
import { retainStateful } from './cloudformation/retention';
import { buildSecondaryTemplate as secondaryTemplate } from './cloudformation/secondary';
import type { Template } from './cloudformation/intrinsics';

export { lambdaCode, PACKAGED_CODE_DIR, TEMPLATE_FILES, ZIPFILE_MAX_CHARS } from './cloudformation/common';
export { cfnDialect, getAtt, ref, sub } from './cloudformation/intrinsics';
export type { CfnExpr, CfnResource, CfnValue, Template } from './cloudformation/intrinsics';
export type { LogicalId, ParameterId, ConditionId } from './cloudformation/ids';
/** TapStack.json: the primary fragments, then RETAIN_ON_DELETE applied by kind (the one place). */
export function buildPrimaryTemplate(config: TapConfig, handlerCode: string): Template {
  return retainStateful(primaryTemplate(config, handlerCode), config.retainOnDelete);
}

/** TapStack-secondary.json, the same way. */
export function buildSecondaryTemplate(config: TapConfig, handlerCode: string): Template {
  return retainStateful(secondaryTemplate(config, handlerCode), config.retainOnDelete);
}

export interface CloudFormationTemplates {
  readonly primary: Template;
  readonly secondary: Template;
}

export function buildCloudFormationTemplates(config: TapConfig, handlerCode: string): CloudFormationTemplates {
  return { primary: buildPrimaryTemplate(config, handlerCode), secondary: buildSecondaryTemplate(config, handlerCode) };
}

/**
 * Writes both templates into `dir` (and the bundle under lambda/ when it is packaged rather
 * than inlined); returns the paths written. Builds fully before writing anything.
 */
export function writeCloudFormationTemplates(config: TapConfig, handlerCode: string, dir: string): string[] {
  const templates = buildCloudFormationTemplates(config, handlerCode);
  fs.mkdirSync(dir, { recursive: true });
  const written = (Object.keys(TEMPLATE_FILES) as Array<keyof typeof TEMPLATE_FILES>).map((k) => {
    const file = path.join(dir, TEMPLATE_FILES[k]);
    fs.writeFileSync(file, `${JSON.stringify(templates[k], null, 2)}\n`);
    return file;
  });
  const codeDir = path.join(dir, PACKAGED_CODE_DIR);
  // Only index.js may be in the packaged directory: `package` zips all of it.
  fs.rmSync(codeDir, { recursive: true, force: true });
  if (typeof lambdaCode(handlerCode) === 'string') {
    fs.mkdirSync(codeDir);
    fs.writeFileSync(path.join(codeDir, 'index.js'), handlerCode);
    written.push(path.join(codeDir, 'index.js'));
  }
  return written;
}
