/**
 * Keeps the corpus of the authorization check current: runs every function's paths in both
 * regions of the emulated AWS with the recorder on (scripts/record-calls.ts, the same scenario
 * `npm run record:calls` writes the corpus from) and fails if any call it makes is not in
 * __tests__/authz/recorded-calls.json, whose calls authz.test.ts evaluates against the policies.
 */
import { emulatorAvailable, EMULATOR_INSTALL_HINT } from '../../emulator/emulator';
import { CorpusCall, recordCalls } from '../../scripts/record-calls';
import corpus from './recorded-calls.json';

const key = (c: CorpusCall) => JSON.stringify(c);

it('every call the functions make is in the committed corpus (else: npm run record:calls)', async () => {
  if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
  const { calls, results } = await recordCalls();
  // The scenario ran the paths it means to: a new transaction, its replay, a conflict, a stored document; healthy regions.
  const status = (k: string) => (results[k] as Array<{ statusCode: number }>).map((r) => r.statusCode);
  expect(status('3 processor/primary')).toEqual([201, 200, 409, 201]);
  expect(status('4 processor/secondary')).toEqual([201, 200, 409, 201]);
  expect(status('5 health/primary')).toEqual([200]);
  expect(status('6 health/secondary')).toEqual([200]);
  expect(calls.filter((c) => c.action === null)).toEqual([]);
  const known = new Set((corpus as CorpusCall[]).map(key));
  expect(calls.filter((c) => !known.has(key(c)))).toEqual([]);
  expect(calls.length).toBeGreaterThan(20);
}, 180_000);
