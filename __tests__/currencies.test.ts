import { readFileSync } from 'fs';
import { circulatingExponents, GENERATED_FILE, generatedSource, isoEntries } from '../scripts/generate-currencies';
import { CURRENCY_EXPONENTS, validate, ValidationError } from '../lambda/validate';

// The maintained package: the bundle carries only the table generated from it.
const codes: { code(c: string): { digits: number } | undefined; codes(): string[] } = require('currency-codes');

const event = { transactionId: 't-1', accountId: 'a-1', type: 'debit' };
const accept = (currency: string, amount: unknown) => validate({ ...event, currency, amount }).transaction;
const refusal = (currency: string, amount: unknown) => {
  try {
    validate({ ...event, currency, amount });
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error(`${currency} ${String(amount)} was accepted`);
};

describe('the minor-unit table (item 1)', () => {
  it('is what the generator writes from the package today, byte for byte', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedSource());
  });

  it('accepts exactly the active circulating currencies of ISO 4217, with the package’s exponents', () => {
    const entries = isoEntries();
    const expected = new Map<string, number>();
    for (const e of entries) {
      // The rule, restated: a numeric minor unit of at most 3, not a fund, not an ISO placeholder row.
      if (!/^\d$/.test(e.minorUnits) || e.isFund || e.country.startsWith('ZZ') || Number(e.minorUnits) > 3) continue;
      expected.set(e.code, Number(e.minorUnits));
    }
    expect(new Map([...CURRENCY_EXPONENTS].sort())).toEqual(new Map([...expected].sort()));
    expect(circulatingExponents()).toEqual(new Map([...expected].sort()));
    for (const [c, exp] of CURRENCY_EXPONENTS) expect([c, codes.code(c)?.digits]).toEqual([c, exp]);
    // What the rule leaves out of the package's list, and why.
    const left = codes.codes().filter((c) => !CURRENCY_EXPONENTS.has(c));
    for (const c of [
      'XAU',
      'XAG',
      'XPT',
      'XPD',
      'XTS',
      'XXX',
      'XDR',
      'XSU',
      'XUA',
      'XBA',
      'CLF',
      'UYW',
      'BOV',
      'CHE',
      'CHW',
      'COU',
      'MXV',
      'USN',
      'UYI',
    ])
      expect(left).toContain(c);
  });

  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['XOF', 0],
    ['USD', 2],
    ['EUR', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['LYD', 3],
    ['IQD', 3],
  ])('pins %s at exponent %d', (c, exp) => {
    expect(CURRENCY_EXPONENTS.get(c)).toBe(exp);
  });

  it('refuses the 4-digit units of account (CLF, UYW) and funds', () => {
    for (const c of ['CLF', 'UYW', 'BOV', 'USN']) expect(refusal(c, '1').field).toBe('currency');
  });

  it('stores the examples of the report exactly', () => {
    expect(accept('JPY', '1500')).toMatchObject({ amount: '1500', amountMinor: '1500', amountExponent: 0 });
    expect(refusal('JPY', '1500.5').message).toMatch(/at most 0 places for JPY/);
    expect(accept('KWD', '1.234')).toMatchObject({ amount: '1.234', amountMinor: '1234', amountExponent: 3 });
    expect(accept('KWD', '1.2')).toMatchObject({ amount: '1.200', amountMinor: '1200' });
    expect(accept('USD', '10.5')).toMatchObject({ amount: '10.50', amountMinor: '1050' });
    expect(refusal('USD', '1.234').message).toMatch(/at most 2 places for USD/);
  });
});

describe('property: every accepted currency, boundary amounts', () => {
  /** A deterministic generator, so a failure reproduces. */
  let seed = 17;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const digits = (n: number) => Array.from({ length: n }, () => String(rand(10))).join('');

  /** amount x 10^exp, by string arithmetic independent of the implementation. */
  const minorOf = (units: string, places: string, exp: number) => BigInt(units + places.padEnd(exp, '0')).toString();

  it.each([...CURRENCY_EXPONENTS])('%s (exponent %d): amountMinor = amount x 10^exp, exactly', (c, exp) => {
    const cases: Array<[string, string]> = [
      exp ? ['0', '1'.padStart(exp, '0')] : ['1', ''], // the smallest positive amount
      ['999999999999999', '9'.repeat(exp)], // the largest
      ['1', ''],
      ['100000000000000', ''],
    ];
    for (let i = 0; i < 30; i++) cases.push([String(1 + rand(9)) + digits(rand(15)), digits(rand(exp + 1))]);
    for (const [units, places] of cases) {
      if (!/[1-9]/.test(units + places)) continue;
      const text = places ? `${units}.${places}` : units;
      const t = accept(c, text);
      expect([text, t.amountMinor]).toEqual([text, minorOf(units, places, exp)]);
      expect(t.amountExponent).toBe(exp);
      // Canonical: exactly exp places, and numerically equal to what was sent.
      expect(t.amount).toBe(exp ? `${units}.${places.padEnd(exp, '0')}` : units);
      expect(BigInt(t.amountMinor)).toBe(BigInt(units) * 10n ** BigInt(exp) + BigInt(places.padEnd(exp, '0') || '0'));
    }
    // One place too many, zero, too many integer digits, signs and exponents: refused, naming amount.
    for (const bad of [
      `1.${'0'.repeat(exp + 1)}`,
      `1.${'5'.repeat(exp + 1)}`,
      '0',
      '0.000',
      '1'.repeat(16),
      '-1',
      '+1',
      '1e2',
      '1.',
      '.5',
      ' 1',
    ])
      expect([bad, refusal(c, bad).field]).toEqual([bad, 'amount']);
  });
});
