/**
 * The HTTP API stage names GET /health in its route settings, and CreateStage refuses a route
 * key the API does not have yet. The emulator restores that refusal
 * (apigatewayv2_stage_route_settings_need_their_routes), so an apply of the stage alone
 * (`-target`, which creates only what the stage depends on) shows whether the stage is ordered
 * after its route: with the stack's dependency it applies; without it, it fails as on AWS.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Emulator, emulatorAvailable, EMULATOR_INSTALL_HINT, startEmulator } from '../../emulator/emulator';
import { stackRun, synthConfiguration, writeEmulatorOverride } from '../../harness/terraform';
import { describeWithTerraform } from '../helpers/terraform';

const REGIONS = ['us-east-1', 'us-west-2'];

/** The primary stage's address and a copy of the synthesized stack, optionally without its depends_on. */
function prepare(root: string, emu: Emulator, dropDependency: boolean) {
  const synth = synthConfiguration({ ENVIRONMENT_SUFFIX: dropDependency ? 'nodep' : 'dep' }, root);
  const stages = synth.synthesized.resource.aws_apigatewayv2_stage as Record<string, any>;
  const [name] = Object.entries(stages).find(([, s]) => s.provider === undefined)!;
  if (dropDependency) {
    delete stages[name].depends_on;
    fs.writeFileSync(path.join(synth.dir, 'cdk.tf.json'), JSON.stringify(synth.synthesized));
  }
  writeEmulatorOverride(synth.dir, synth.synthesized, (r) => emu.endpointFor(r));
  return { synth, target: `aws_apigatewayv2_stage.${name}` };
}

describeWithTerraform('the HTTP API stage is created after the route its settings name', () => {
  let emu: Emulator;
  const roots: string[] = [];

  beforeAll(async () => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    emu = await startEmulator({ regions: REGIONS });
  }, 60_000);
  afterAll(async () => {
    await emu?.stop();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  const applyStageAlone = async (dropDependency: boolean) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-stage-order-'));
    roots.push(root);
    const { synth, target } = prepare(root, emu, dropDependency);
    const run = stackRun(
      dropDependency ? 'without depends_on' : 'as synthesized',
      synth,
      process.env.TF_PROVIDER_MIRROR!,
    );
    await run.tf(['init', '-input=false'], { timeoutMs: 90_000 });
    return run.tf(['apply', '-auto-approve', '-input=false', `-target=${target}`], {
      timeoutMs: 240_000,
      allowFail: true,
    });
  };

  // Both applies at once: most of each is the provider waiting.
  let results: Promise<Array<{ code: number; stderr: string }>>;
  beforeAll(() => {
    results = Promise.all([applyStageAlone(false), applyStageAlone(true)]);
    results.catch(() => undefined); // reported by the tests below
  });

  it('applies as synthesized: the stage waits for GET /health', async () => {
    const [r] = await results;
    expect({ code: r.code, error: r.stderr.slice(0, 2000) }).toEqual({ code: 0, error: '' });
  }, 400_000);

  it('fails like AWS without the dependency: NotFoundException for the route key', async () => {
    const [, r] = await results;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unable to find Route by key GET \/health/);
  }, 400_000);
});
