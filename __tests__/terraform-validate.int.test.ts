import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { loadConfig } from '../src/config';
import { TapStack } from '../src/tap-stack';
import { offlineTerraform } from '../harness/offline-terraform';
import { describeWithTerraform } from './helpers/terraform';
import { testBundle } from '../harness/bundle';

describeWithTerraform('terraform init + validate on the synthesized stack (offline, provider mirror)', () => {
  it.each([
    ['defaults', {}],
    [
      'retained, S3 state, email, reserved concurrency, no standby',
      {
        RETAIN_ON_DELETE: 'true',
        TF_STATE_BUCKET: 'acme-tf-state',
        ALERT_EMAIL: 'oncall@example.com',
        LAMBDA_RESERVED_CONCURRENCY: '10',
        STANDBY_PROCESSOR: 'false',
      },
    ],
  ])(
    '%s: is valid Terraform with no warnings',
    (_name, env) => {
      const app = Testing.app();
      const stack = new TapStack(app, 'tap-dr-validate', {
        config: loadConfig(env, {}),
        lambdaArchive: testBundle(),
      });
      const stackDir = path.join(Testing.fullSynth(stack), 'stacks', 'tap-dr-validate');
      expect(fs.existsSync(path.join(stackDir, 'cdk.tf.json'))).toBe(true);

      const tf = offlineTerraform();
      const init = tf.run(['init', '-backend=false', '-input=false', '-no-color'], stackDir);
      expect(init.stderr).toBe('');
      expect(init.status).toBe(0);
      expect(init.stdout).toContain('hashicorp/aws v5.100.0');

      const validate = tf.run(['validate', '-json', '-no-color'], stackDir);
      const result = JSON.parse(validate.stdout) as { valid: boolean; warning_count: number; diagnostics: unknown[] };
      expect(result.diagnostics).toEqual([]);
      expect(result).toMatchObject({ valid: true, warning_count: 0 });
      fs.rmSync(path.join(stackDir, '.terraform'), { recursive: true, force: true });
    },
    300_000,
  );
});
