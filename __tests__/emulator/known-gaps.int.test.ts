/**
 * What the emulated apply leaves out, and why, shown rather than claimed (issue 11: "where a
 * resource cannot be applied there, say why in the test"). Each test pins the emulator's gap;
 * when moto closes it, the test fails and says what to add to the e2e configurations.
 *
 * - FIS_DRILL (aws_fis_experiment_template): moto 5.2 creates the template but answers
 *   GetExperimentTemplate with a 500, so the provider retries until its create timeout. The
 *   template is covered by terraform validate/plan and the synth tests instead.
 * - DNS failover (HOSTED_ZONE_ID + DOMAIN_NAME) applies on the emulator (ACM certificates, regional
 *   custom domains, the health check and failover records; checked by hand on 2026-11-24 with
 *   MOTO_ACM_VALIDATION_WAIT=0), but it is not one of the four e2e configurations: it needs a hosted
 *   zone created first, and AWS hosted zone ids begin with "Z" where moto's are random.
 */
import { emulatorAvailable, EMULATOR_INSTALL_HINT, Emulator, startEmulator } from '../../emulator/emulator';
import { regionClients } from '../../emulator/aws';

let emu: Emulator;
beforeAll(async () => {
  if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
  emu = await startEmulator({ regions: ['us-west-2'] });
}, 60_000);
afterAll(() => emu?.stop());

it('moto cannot read back an FIS experiment template, so the e2e apply leaves FIS_DRILL out', async () => {
  const fis = regionClients('us-west-2', emu.endpointFor('us-west-2'));
  const created = await fis.rest('fis', 'POST', '/experimentTemplates', {
    clientToken: 'tap-dr-gap',
    description: 'probe',
    roleArn: 'arn:aws:iam::123456789012:role/probe',
    stopConditions: [{ source: 'none' }],
    targets: {},
    actions: { wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } } },
  });
  expect(created.status).toBe(200);
  const id = created.json.experimentTemplate.id as string;
  // AWS answers 200 with the template; moto 5.2 answers a 500 (an HTML error page, hence the
  // parse failure). If this fails, moto can do it now: add FIS_DRILL=true to an e2e
  // configuration (__tests__/e2e/configurations.ts) and drop this test.
  const read = await fis
    .rest('fis', 'GET', `/experimentTemplates/${id}`)
    .catch(() => ({ status: 500, json: undefined }));
  expect(read.status).toBe(500);
}, 60_000);
