import { CURRENCIES, MAX_DOCUMENT_BYTES, validate, ValidationError } from '../lambda/validate';

const base = { transactionId: 't-1', accountId: 'a-1', amount: '10.5', currency: 'USD', type: 'debit' };

function rejection(event: unknown): ValidationError {
  try {
    validate(event);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(event).slice(0, 200)} to be rejected`);
}

describe('amounts are exact', () => {
  it.each([
    ['10.5', '10.50', '1050'],
    [10.5, '10.50', '1050'],
    ['0.01', '0.01', '1'],
    ['7', '7.00', '700'],
    [7, '7.00', '700'],
    ['999999999999999.99', '999999999999999.99', '99999999999999999'],
  ])('%p is stored as %s and %s minor units', (amount, text, minor) => {
    expect(validate({ ...base, amount }).transaction).toMatchObject({ amount: text, amountMinor: minor });
  });

  it.each([
    ['0', 'zero'],
    ['0.00', 'zero'],
    ['-1', 'negative'],
    ['1.005', 'three decimals'],
    [0.1 + 0.2, 'float drift (0.30000000000000004)'],
    ['1e2', 'exponent'],
    ['01.5', 'leading zero'],
    ['1234567890123456', 'sixteen integer digits'],
    [' 1', 'whitespace'],
    [Number.NaN, 'NaN'],
    [['1'], 'array'],
    [null, 'null'],
    [true, 'boolean'],
  ])('refuses %p (%s)', (amount, _why) => {
    expect(rejection({ ...base, amount }).field).toBe('amount');
  });
});

/** The active ISO-4217 list, spelled out: the compact table in the bundle must decode to exactly this. */
const ISO_4217_ACTIVE = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
  CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
  HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
  MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
  SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES
  VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`.split(/\s+/);

describe('fields', () => {
  it('knows exactly the active ISO-4217 currencies', () => {
    expect([...CURRENCIES].sort()).toEqual(ISO_4217_ACTIVE);
  });

  it('accepts active ISO-4217 currencies and refuses others', () => {
    for (const c of ['USD', 'EUR', 'JPY', 'GBP', 'CHF', 'XCG', 'ZWG']) expect(CURRENCIES.has(c)).toBe(true);
    for (const c of ['usd', 'XXX', 'XTS', 'XAU', 'DEM', 'ABC', 'US', 'USDD', 'AED AFN']) {
      expect(rejection({ ...base, currency: c }).field).toBe('currency');
    }
  });

  it('names unknown fields, top-level and in the document', () => {
    expect(rejection({ ...base, memo: 'x' }).field).toBe('memo');
    expect(rejection({ ...base, document: { contentType: 'a/b', content: 'aGk=', url: 'x' } }).field).toBe('document');
  });

  it('bounds ids, metadata and documents', () => {
    expect(rejection({ ...base, transactionId: 'x'.repeat(65) }).field).toBe('transactionId');
    expect(rejection({ ...base, accountId: 'a/b' }).field).toBe('accountId');
    expect(rejection({ ...base, metadata: { k: 'v'.repeat(257) } }).field).toBe('metadata');
    expect(rejection({ ...base, metadata: ['a'] }).field).toBe('metadata');
    const big = Buffer.alloc(MAX_DOCUMENT_BYTES + 1).toString('base64');
    expect(rejection({ ...base, document: { contentType: 'a/b', content: big } }).field).toBe('document');
    const max = Buffer.alloc(MAX_DOCUMENT_BYTES).toString('base64');
    expect(validate({ ...base, document: { contentType: 'a/b', content: max } }).document!.body).toHaveLength(MAX_DOCUMENT_BYTES);
  });

  it('normalizes the timestamp to UTC and refuses impossible dates', () => {
    expect(validate({ ...base, timestamp: '2026-01-02T03:04:05+02:00' }).transaction.createdAt).toBe('2026-01-02T01:04:05.000Z');
    for (const timestamp of ['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01', 1767225600000]) {
      expect(rejection({ ...base, timestamp }).field).toBe('timestamp');
    }
    expect(validate({ ...base, timestamp: '2028-02-29T00:00:00Z' }).transaction.createdAt).toBe('2028-02-29T00:00:00.000Z');
  });

  it('says what it expected', () => {
    expect(rejection({ ...base, type: 'withdrawal' }).message).toBe('debit | credit | refund');
    expect(rejection({ ...base, amount: '1.234' }).message).toMatch(/at most 2 places/);
  });
});

describe('fingerprint: what makes two requests the same transaction', () => {
  const fp = (e: object) => validate({ ...base, ...e }).transaction.fingerprint;

  it('ignores representation: number vs string amount, metadata key order, time-zone notation', () => {
    expect(fp({ amount: 10.5 })).toBe(fp({ amount: '10.50' }));
    expect(fp({ metadata: { a: '1', b: '2' } })).toBe(fp({ metadata: { b: '2', a: '1' } }));
    expect(fp({ timestamp: '2026-01-01T01:00:00+01:00' })).toBe(fp({ timestamp: '2026-01-01T00:00:00Z' }));
  });

  it('changes with any field the caller sent, including the document content', () => {
    const fingerprints = [
      fp({}),
      fp({ amount: '10.51' }),
      fp({ currency: 'EUR' }),
      fp({ type: 'credit' }),
      fp({ accountId: 'a-2' }),
      fp({ timestamp: '2026-01-01T00:00:00Z' }),
      fp({ metadata: { a: '1' } }),
      fp({ document: { contentType: 'text/plain', content: 'aGk=' } }),
      fp({ document: { contentType: 'text/plain', content: 'aGo=' } }),
      fp({ document: { contentType: 'text/html', content: 'aGk=' } }),
    ];
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });
});
