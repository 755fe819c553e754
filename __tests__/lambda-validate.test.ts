import { CURRENCIES, MAX_DOCUMENT_BYTES, numbersAreExact, validate, ValidationError } from '../lambda/validate';

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

describe('fields', () => {
  it('accepts active ISO-4217 currencies and refuses others', () => {
    for (const c of ['USD', 'EUR', 'JPY', 'GBP', 'CHF', 'KWD', 'ZWG']) expect(CURRENCIES.has(c)).toBe(true);
    for (const c of ['usd', 'XXX', 'XTS', 'XAU', 'XDR', 'CLF', 'UYW', 'BOV', 'DEM', 'ABC', 'US', 'USDD', 'AED AFN']) {
      expect(rejection({ ...base, currency: c }).field).toBe('currency');
    }
  });

  it('names unknown fields, top-level and in the document', () => {
    expect(rejection({ ...base, memo: 'x' }).field).toBe('memo');
    expect(rejection({ ...base, document: { contentType: 'a/b', content: 'aGk=', url: 'x' } }).field).toBe('document');
  });

  it('refuses ids that are dot segments in a document key', () => {
    expect(rejection({ ...base, transactionId: '..' }).field).toBe('transactionId');
    expect(rejection({ ...base, accountId: '.' }).field).toBe('accountId');
    expect(validate({ ...base, transactionId: '...' }).transaction.transactionId).toBe('...');
  });

  it('bounds ids, metadata and documents', () => {
    expect(rejection({ ...base, transactionId: 'x'.repeat(65) }).field).toBe('transactionId');
    expect(rejection({ ...base, accountId: 'a/b' }).field).toBe('accountId');
    expect(rejection({ ...base, metadata: { k: 'v'.repeat(257) } }).field).toBe('metadata');
    expect(rejection({ ...base, metadata: ['a'] }).field).toBe('metadata');
    const big = Buffer.alloc(MAX_DOCUMENT_BYTES + 1).toString('base64');
    expect(rejection({ ...base, document: { contentType: 'a/b', content: big } }).field).toBe('document');
    const max = Buffer.alloc(MAX_DOCUMENT_BYTES).toString('base64');
    expect(validate({ ...base, document: { contentType: 'a/b', content: max } }).document!.body).toHaveLength(
      MAX_DOCUMENT_BYTES,
    );
  });

  it('normalizes the timestamp to UTC and refuses impossible dates', () => {
    expect(validate({ ...base, timestamp: '2026-01-02T03:04:05+02:00' }).transaction.createdAt).toBe(
      '2026-01-02T01:04:05.000Z',
    );
    for (const timestamp of [
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01',
      1767225600000,
    ]) {
      expect(rejection({ ...base, timestamp }).field).toBe('timestamp');
    }
    expect(validate({ ...base, timestamp: '2028-02-29T00:00:00Z' }).transaction.createdAt).toBe(
      '2028-02-29T00:00:00.000Z',
    );
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

describe('own fields only: no lookup goes through a prototype (item 1)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'])(
    'refuses a top-level field named %s',
    (name) => {
      const event = JSON.parse(
        `{"transactionId":"t-1","accountId":"a-1","amount":"1.00","currency":"USD","type":"debit","${name}":{"x":1}}`,
      );
      expect(rejection(event).field).toBe(name);
    },
  );

  it('refuses prototype names as currency or type, and inherited fields count as absent', () => {
    for (const currency of ['constructor', '__proto__', 'toString'])
      expect(rejection({ ...base, currency }).field).toBe('currency');
    for (const type of ['constructor', 'length', 'includes']) expect(rejection({ ...base, type }).field).toBe('type');
    expect(rejection(Object.assign(Object.create({ amount: '1.00' }), { ...base, amount: undefined })).field).toBe(
      'event',
    );
  });

  it('refuses prototype names inside the document', () => {
    const document = JSON.parse('{"contentType":"a/b","content":"aGk=","__proto__":{"x":1}}');
    expect(rejection({ ...base, document }).field).toBe('document');
  });
});

describe('JSON numbers: only amounts that were received exactly (item 2)', () => {
  // These literals are imprecise on purpose: they are what a caller's JSON parser hands the handler.
  it.each([
    // eslint-disable-next-line no-loss-of-precision
    90000000000000.01, 1234567890.123456, 0.10000000000000002, 123456789012345.6, 9007199254740993, 1e21, 1.5e-7,
  ])('refuses the number %p', (amount) => {
    expect(rejection({ ...base, amount }).field).toBe('amount');
  });

  it('keeps amounts sent as strings exact, however many digits', () => {
    expect(validate({ ...base, amount: '90000000000000.01' }).transaction).toMatchObject({
      amount: '90000000000000.01',
      amountMinor: '9000000000000001',
    });
    expect(validate({ ...base, amount: 123456789012345 }).transaction.amountMinor).toBe('12345678901234500');
  });

  it('refuses a number amount when the raw JSON text held a rounded number', () => {
    expect(validate({ ...base, amount: 10.5 }).transaction.amount).toBe('10.50');
    expect(() => validate({ ...base, amount: 10.5 }, { numbers: 'rounded' })).toThrow(ValidationError);
    // Another field's error is named first: with a valid event, the amount is the only number left.
    expect(() => validate({ ...base, amount: 10.5, metadata: { a: 1 } }, { numbers: 'rounded' })).toThrow(
      expect.objectContaining({ field: 'metadata' }),
    );
    expect(validate({ ...base, amount: '10.5' }, { numbers: 'rounded' }).transaction.amount).toBe('10.50');
  });

  it('tells exact from rounded number tokens in JSON text', () => {
    expect(numbersAreExact('{"a":[1,2.5,-0.25,1E2,1e+21,3.0e-3],"b":"0.10000000000000001"}')).toBe(true);
    expect(numbersAreExact('{"a":[1,0.10000000000000001]}')).toBe(false);
    expect(numbersAreExact('{"s":"\\\\","n":90000000000000.01}')).toBe(false);
    expect(numbersAreExact(`{"s":"${'x'.repeat(3_000_000)}"}`)).toBe(true);
  });
});

describe('every nested value is type-checked: 400, never a TypeError (item 3)', () => {
  const content = 'aGk=';
  it.each<[string, unknown]>([
    ['content a number', { contentType: 'a/b', content: 5 }],
    ['content a boolean', { contentType: 'a/b', content: true }],
    ['content an array', { contentType: 'a/b', content: ['aGk='] }],
    ['content an object', { contentType: 'a/b', content: { length: 4 } }],
    ['content null', { contentType: 'a/b', content: null }],
    ['content empty', { contentType: 'a/b', content: '' }],
    ['contentType an array', { contentType: ['a/b'], content }],
    ['contentType a number', { contentType: 1, content }],
    ['contentType an object', { contentType: { toString: 'a/b' }, content }],
    ['contentType null', { contentType: null, content }],
    ['document an array', [content]],
    ['document a string', content],
    ['document null', null],
  ])('refuses a document with %s', (_why, document) => {
    expect(rejection({ ...base, document }).field).toBe('document');
  });

  it.each<[string, unknown]>([
    ['transactionId', ['t-1']],
    ['accountId', ['a-1']],
    ['accountId', { toString: 'a-1' }],
    ['currency', ['USD']],
    ['type', ['debit']],
    ['timestamp', ['2026-01-01T00:00:00Z']],
    ['timestamp', 1767225600000],
    ['metadata', { a: ['x'] }],
    ['metadata', { a: { b: 'c' } }],
    ['metadata', { a: null }],
    ['metadata', { a: 1 }],
    ['metadata', null],
    ['metadata', 'x'],
  ])('refuses %s as %p', (field, value) => {
    expect(rejection({ ...base, [field]: value }).field).toBe(field);
  });
});

describe('timestamps stay sortable 24-character UTC strings (item 8)', () => {
  it.each([
    '0000-01-01T00:00:00+01:00',
    '9999-12-31T23:59:59-01:00',
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:30:00+01:00',
    '0001-01-01T00:00:00Z',
  ])('refuses %s (outside 1970..9999 in UTC)', (timestamp) => {
    expect(rejection({ ...base, timestamp }).field).toBe('timestamp');
  });

  it('accepts the bounds themselves', () => {
    expect(validate({ ...base, timestamp: '1970-01-01T00:00:00Z' }).transaction.createdAt).toBe(
      '1970-01-01T00:00:00.000Z',
    );
    expect(validate({ ...base, timestamp: '9999-12-31T23:59:59.999Z' }).transaction.createdAt).toBe(
      '9999-12-31T23:59:59.999Z',
    );
    expect(validate({ ...base, timestamp: '9999-12-31T23:59:59+01:00' }).transaction.createdAt).toBe(
      '9999-12-31T22:59:59.000Z',
    );
  });

  it('refuses offsets outside -23:59..+23:59', () => {
    for (const timestamp of ['2026-01-01T00:00:00+24:00', '2026-01-01T00:00:00+10:60', '2026-01-01T00:00:00+99:99']) {
      expect(rejection({ ...base, timestamp }).field).toBe('timestamp');
    }
  });
});

describe('strings are well-formed Unicode (item 9)', () => {
  it.each(['\ud800', 'a\udc00b', 'x\ud83d', '\ude00\ud83d'])('refuses metadata value %j', (v) => {
    expect(rejection({ ...base, metadata: { note: v } }).field).toBe('metadata');
  });

  it('accepts surrogate pairs (emoji) and refuses lone surrogates in every other string field', () => {
    expect(validate({ ...base, metadata: { note: 'paid \ud83d\ude00' } }).transaction.metadata).toEqual({
      note: 'paid \ud83d\ude00',
    });
    for (const field of ['transactionId', 'accountId', 'currency', 'type', 'timestamp', 'amount']) {
      expect(rejection({ ...base, [field]: '\ud800' }).field).toBe(field);
    }
    expect(rejection({ ...base, document: { contentType: 'a/b\ud800', content: 'aGk=' } }).field).toBe('document');
  });

  it('names an unknown field with a lone surrogate by a well-formed, capped name', () => {
    const field = rejection({ ...base, ['\ud800'.repeat(200)]: 1 }).field;
    expect(field).toBe(`${'\ufffd'.repeat(64)}…`);
  });
});

describe('metadata is data (item 4)', () => {
  it('keeps keys that collide with record attributes, and values exactly as sent', () => {
    const metadata = {
      amountMinor: '007',
      fingerprint: 'f',
      status: 'pending',
      createdAt: 'x',
      transactionId: 'other',
    };
    const t = validate({ ...base, metadata }).transaction;
    expect(t.metadata).toEqual(metadata);
    expect(t).toMatchObject({ amountMinor: '1050', transactionId: 't-1' });
  });
});

describe('any JSON value in any position: a ValidationError or a transaction, never another error', () => {
  /** A small deterministic generator (mulberry32), so a failure reproduces. */
  function random(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const rnd = random(8);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const NAMES = [
    '__proto__',
    'constructor',
    'toString',
    'valueOf',
    'length',
    'content',
    'contentType',
    'amountMinor',
    'k',
    '',
  ];
  const leaves: unknown[] = [
    null,
    true,
    false,
    0,
    -0,
    1,
    10.5,
    1e21,
    // eslint-disable-next-line no-loss-of-precision -- an inexact amount is one of the hostile leaves
    90000000000000.01,
    Number.MAX_VALUE,
    '',
    'aGk=',
    'a/b',
    'USD',
    'debit',
    '2026-01-01T00:00:00Z',
    '\ud800',
    'x'.repeat(300),
    '10.50',
    'constructor',
    '__proto__',
  ];
  function value(depth: number): unknown {
    const r = rnd();
    if (depth > 2 || r < 0.5) return pick(leaves);
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
    return JSON.parse(
      JSON.stringify(
        Object.fromEntries(Array.from({ length: Math.floor(rnd() * 3) }, () => [pick(NAMES), value(depth + 1)])),
      ),
    );
  }
  const valid = { ...base, metadata: { k: 'v' }, document: { contentType: 'a/b', content: 'aGk=' } };
  const paths: Array<(v: unknown) => object> = [
    ...Object.keys(valid).map((k) => (v: unknown) => ({ ...valid, [k]: v })),
    (v) => ({ ...valid, document: { contentType: 'a/b', content: v } }),
    (v) => ({ ...valid, document: { contentType: v, content: 'aGk=' } }),
    (v) => ({ ...valid, metadata: { k: v } }),
    (v) => JSON.parse(JSON.stringify({ ...valid, metadata: { [String(pick(NAMES))]: v } })),
    (v) =>
      JSON.parse(
        `{${JSON.stringify(valid).slice(1, -1)},${JSON.stringify(String(pick(NAMES)))}:${JSON.stringify(v) ?? 'null'}}`,
      ),
  ];

  it('holds for 5,000 generated events', () => {
    for (let i = 0; i < 5000; i++) {
      const event = pick(paths)(value(0));
      try {
        validate(event);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw new Error(`${String(e)} for ${JSON.stringify(event).slice(0, 300)}`);
      }
    }
  });
});
