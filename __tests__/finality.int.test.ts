/**
 * An acknowledged transaction is final in both regions (issue 17, item 2): on the emulated
 * two-region AWS with a replication lag, no interleaving of retries of one request — in the other
 * region within the lag, with a failed document upload there, with a crash between any two steps,
 * both regions at once — turns its record back into a claim, changes its fingerprint or hides it
 * from readers once replication has converged.
 */
import { validate } from '../lambda/validate';
import { Emulator, emulatorAvailable, EMULATOR_INSTALL_HINT, startEmulator } from '../emulator/emulator';
import { RegionSide, twoRegionProcessors } from './helpers/two-regions';

const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
/** Calls of one request with a document: the claim transaction, PutObject, the record's PutItem. */
const DOCUMENT_STEPS = 3;

const haveEmulator = emulatorAvailable();
if (!haveEmulator && process.env.CI === 'true') throw new Error(EMULATOR_INSTALL_HINT);
const describeEmu = haveEmulator ? describe : describe.skip;

let n = 0;
/** A direct invocation (caller identity "direct"), with or without a document. */
const request = (withDocument: boolean) => {
  const id = `fin-${++n}-${Date.now() % 100000}`;
  return {
    transactionId: id,
    accountId: `acct-${id}`,
    amount: '1500',
    currency: 'JPY',
    type: 'debit',
    ...(withDocument
      ? { document: { contentType: 'text/plain', content: Buffer.from(`doc ${id}`).toString('base64') } }
      : {}),
  };
};
const fingerprintOf = (e: object) => validate(e, { numbers: 'parsed', caller: 'direct' }).transaction.fingerprint;
type Outcome = number | 'error';
const outcome = (p: Promise<{ statusCode: number }>): Promise<Outcome> =>
  p.then(
    (r) => r.statusCode,
    () => 'error',
  );

describeEmu.each([500, 2000])('finality across regions at a replication lag of %i ms', (lagMs) => {
  let emu: Emulator;
  let primary: RegionSide;
  let standby: RegionSide;

  beforeAll(async () => {
    emu = await startEmulator({ regions: [PRIMARY, STANDBY] });
    [primary, standby] = await twoRegionProcessors(emu);
    await emu.replication.set({ lagMs });
  }, 60_000);
  afterAll(async () => emu?.stop());
  afterEach(() => {
    primary.faults.heal();
    standby.faults.heal();
  });

  /** After convergence: the committed record, with the acknowledged fingerprint, in both regions and their account indexes. */
  async function expectFinal(event: ReturnType<typeof request>) {
    await emu.replication.drain(lagMs * 4 + 10_000);
    for (const side of [primary, standby]) {
      const item = await side.get(event.transactionId);
      expect([side.region, item?.status?.S, item?.fingerprint?.S]).toEqual([
        side.region,
        'committed',
        fingerprintOf(event),
      ]);
      expect(item).toMatchObject({ amount: { S: '1500' }, amountMinor: { N: '1500' }, amountExponent: { N: '0' } });
      const listed = await side.listAccount(event.accountId);
      expect([side.region, listed.map((i) => i.transactionId.S)]).toEqual([side.region, [event.transactionId]]);
    }
    // Converged: both regions hold the same record.
    expect(await standby.get(event.transactionId)).toEqual(await primary.get(event.transactionId));
  }

  it.each([true, false])(
    'a retry in the other region within the lag (document: %p) leaves the acknowledged record final',
    async (withDocument) => {
      const e = request(withDocument);
      expect(await outcome(primary.process(e, 'p1'))).toBe(201);
      // Within the lag: the standby has not seen the record yet, so for it the request is new.
      expect([200, 201]).toContain(await outcome(standby.process(e, 's1')));
      await expectFinal(e);
    },
  );

  it('a retry in the other region whose document upload fails there leaves the acknowledged record final', async () => {
    const e = request(true);
    expect(await outcome(primary.process(e, 'p1'))).toBe(201);
    standby.faults.failEvery('putObject');
    expect(await outcome(standby.process(e, 's1'))).toBe('error');
    // The standby's claim is an item of its own: replicating it cannot touch the record.
    await expectFinal(e);
    expect((await primary.get(`${e.transactionId}#claim`))?.status?.S).toBe('pending');
  });

  for (let crash = 1; crash <= DOCUMENT_STEPS; crash++) {
    it(`a crash at call ${crash} of an acknowledged request's retry in the other region leaves the record final`, async () => {
      const e = request(true);
      expect(await outcome(primary.process(e, 'p1'))).toBe(201);
      standby.faults.crashAt(crash);
      expect(await outcome(standby.process(e, 's1'))).toBe('error');
      standby.faults.heal();
      expect([200, 201]).toContain(await outcome(standby.process(e, 's2')));
      await expectFinal(e);
    });

    it(`a crash at call ${crash} in one region, then retries in both regions at once, acknowledge and converge`, async () => {
      const e = request(true);
      primary.faults.crashAt(crash);
      expect(await outcome(primary.process(e, 'p1'))).toBe('error');
      primary.faults.heal();
      // Nothing was acknowledged, and nothing a reader sees exists.
      expect(await primary.get(e.transactionId)).toBeUndefined();
      const both = await Promise.all([outcome(primary.process(e, 'p2')), outcome(standby.process(e, 's2'))]);
      for (const o of both) expect([200, 201]).toContain(o);
      await expectFinal(e);
    });
  }

  it.each([true, false])(
    'both regions retrying at once, again and again (document: %p), converge on one record',
    async (withDocument) => {
      const e = request(withDocument);
      const first = await Promise.all([outcome(primary.process(e, 'p1')), outcome(standby.process(e, 's1'))]);
      for (const o of first) expect([200, 201]).toContain(o);
      const again = await Promise.all(
        Array.from({ length: 6 }, (_, i) => outcome((i % 2 ? standby : primary).process(e, `r${i}`))),
      );
      for (const o of again) expect([200, 201]).toContain(o);
      await expectFinal(e);
    },
  );

  it('a conflicting request in the other region after the acknowledgement and convergence is refused and writes nothing', async () => {
    const e = request(true);
    expect(await outcome(primary.process(e, 'p1'))).toBe(201);
    await emu.replication.drain(lagMs * 4 + 10_000);
    const forged = {
      ...e,
      amount: '9999',
      document: { contentType: 'text/plain', content: Buffer.from('forged').toString('base64') },
    };
    expect(await outcome(standby.process(forged, 's1'))).toBe(409);
    expect(standby.faults.calls.at(-1)).toBe('transactWriteItems');
    await expectFinal(e);
  });
});
