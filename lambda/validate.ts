/**
 * Strict validation of a transaction event. Everything the processor stores passes
 * through here; anything else is a ValidationError naming the field and the expected
 * form (HTTP 400), raised before any write.
 *
 * Every value is type-checked before it is used, so no input, however shaped, reaches a
 * TypeError. Lookups use own properties only (Object.hasOwn, Map): `__proto__`,
 * `constructor` or `toString` are field names like any other, and unknown.
 */
import { createHash } from 'crypto';
import { CURRENCIES_BY_EXPONENT } from './currencies.generated';
import { DR_CHECK_CANARY } from '../src/contract';

/** Half of a UTF-16 surrogate pair without the other half (String#isWellFormed is ES2024). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Field names are echoed in responses and logs: at most this many characters of one. */
export const MAX_FIELD_NAME_LENGTH = 64;

export class ValidationError extends Error {
  readonly field: string;
  /** `message` is the expected form, e.g. "a positive decimal with at most 2 places". */
  constructor(field: string, message: string) {
    super(message);
    // Callers choose unknown field names: bounded, and well-formed so logs and JSON stay valid.
    this.field = (field.length > MAX_FIELD_NAME_LENGTH ? `${field.slice(0, MAX_FIELD_NAME_LENGTH)}…` : field).replace(
      new RegExp(LONE_SURROGATE, 'g'),
      '\ufffd',
    );
  }
}

export interface TransactionDocument {
  readonly contentType: string;
  /** Decoded bytes; never logged. */
  readonly body: Buffer;
  readonly sha256: string;
}

/** A validated transaction, already in the shape it is stored in. */
export interface Transaction {
  readonly transactionId: string;
  readonly accountId: string;
  /** Canonical decimal text with exactly the currency's minor digits: "10.50" USD, "1500" JPY, "1.250" KWD. */
  readonly amount: string;
  /** amount x 10^amountExponent, as integer text (no float drift, no 2^53 limit), e.g. "1050". */
  readonly amountMinor: string;
  /** The currency's ISO 4217 minor-unit exponent (0, 2 or 3). */
  readonly amountExponent: number;
  readonly currency: string;
  readonly type: string;
  /** `YYYY-MM-DDTHH:mm:ss.sssZ` (sortable); only when the caller sent one (server time is not part of the identity). */
  readonly createdAt?: string;
  /** The caller's metadata, as given: data, never interpreted. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** SHA-256 over everything the caller sent: a retry matches it, a conflicting reuse does not. */
  readonly fingerprint: string;
}

export interface Validated {
  readonly transaction: Transaction;
  readonly document?: TransactionDocument;
}

/**
 * Active circulating ISO 4217 currencies and their minor-unit exponents, generated at build time
 * from the `currency-codes` package (scripts/generate-currencies.ts says which codes and why).
 * Fund, metal, test, no-currency and 4-digit unit-of-account codes are refused.
 */
export const CURRENCY_EXPONENTS: ReadonlyMap<string, number> = new Map(
  Object.entries(CURRENCIES_BY_EXPONENT).flatMap(([exp, codes]) => codes.split(' ').map((c) => [c, Number(exp)])),
);
export const CURRENCIES: ReadonlySet<string> = new Set(CURRENCY_EXPONENTS.keys());
/** The most minor digits any accepted currency has. */
export const MAX_EXPONENT = Math.max(...CURRENCY_EXPONENTS.values());
/** Integer digits of an amount: with 3 minor digits, amountMinor stays within 18 digits. */
export const MAX_INTEGER_DIGITS = 15;
export const TYPES: ReadonlySet<string> = new Set(['debit', 'credit', 'refund']);
export const MAX_DOCUMENT_BYTES = 1 << 20;
/** Stored timestamps stay 24-character `YYYY-MM-DDTHH:mm:ss.sssZ`, so the account index sorts them as text. */
export const EARLIEST_TIMESTAMP = '1970-01-01T00:00:00.000Z';
export const LATEST_TIMESTAMP = '9999-12-31T23:59:59.999Z';
/** Every decimal with at most 15 significant digits survives a round trip through a double. */
export const MAX_NUMBER_DIGITS = 15;

type Json = Record<string, unknown>;
const own = (o: Json, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
/** A JSON object: not null, not an array, not a class instance. */
export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));
/** Every string is checked for lone surrogates (invalid UTF-16 that DynamoDB refuses). */
const isText = (v: unknown): v is string => typeof v === 'string' && !LONE_SURROGATE.test(v);

// Not "." or "..": ids become S3 key segments, where dot segments could be normalized away.
const ID = /^(?!\.\.?$)[\w.:-]{1,64}$/;
const ID_FORM = '1-64 of A-Z a-z 0-9 _ . : - (not . or ..)';
const isId = (v: unknown): v is string => typeof v === 'string' && ID.test(v);
const AMOUNT = /^(0|[1-9]\d{0,14})(?:\.(\d{1,3}))?$/;
const MEDIA_TYPE = /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/;
const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Significant digits of a number's shortest round-trip form ("1.5e-7" has 2). */
const significantDigits = (n: number) =>
  String(n)
    .replace(/e.*$/, '')
    .replace(/\D/g, '')
    .replace(/^0+|0+$/g, '').length;

/**
 * The amount as decimal text. A number must have been received exactly: the runtime parsed it
 * into a double, so one whose shortest form needs more than 15 digits was already rounded.
 */
function amountText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && significantDigits(v) <= MAX_NUMBER_DIGITS) return String(v);
  return undefined;
}

/**
 * Where the event's numbers come from:
 * - `exact`: raw JSON text showed every number parses to exactly what was written (HTTP bodies);
 * - `rounded`: the raw text held a number that parsing rounded;
 * - `parsed`: a direct invocation, parsed by the Lambda runtime before the handler ran, so
 *   nothing can show a number was exact: a number amount is refused, send a string.
 */
export type NumberSource = 'exact' | 'rounded' | 'parsed';

function isTimestamp(v: unknown): boolean {
  if (typeof v !== 'string' || !TIMESTAMP.test(v)) return false;
  // Date.parse alone accepts 2026-02-30 and 24:00 (rolling over): the wall-clock part must print back unchanged.
  if (!new Date(`${v.slice(0, 19)}Z`).toJSON()?.startsWith(v.slice(0, 19))) return false;
  const utc = new Date(v).toJSON();
  return !!utc && utc >= EARLIEST_TIMESTAMP && utc <= LATEST_TIMESTAMP && utc.length === 24;
}

function isMetadata(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length <= 20 && keys.every((k) => isId(k) && isText(v[k]) && (v[k] as string).length <= 256);
}

function isDocument(v: unknown): boolean {
  if (!isObject(v) || Object.keys(v).sort().join() !== 'content,contentType') return false;
  const { content, contentType } = v;
  if (typeof contentType !== 'string' || !MEDIA_TYPE.test(contentType)) return false;
  // Length first: the regex then never runs over more than 1 MiB worth of base64.
  if (typeof content !== 'string' || !content || content.length > Math.ceil(MAX_DOCUMENT_BYTES / 3) * 4) return false;
  // decoded size: 3 bytes per 4 characters, less the padding
  return BASE64.test(content) && (content.length / 4) * 3 - content.split('=').length + 1 <= MAX_DOCUMENT_BYTES;
}

const AMOUNT_FORM =
  "a positive decimal with at most the currency's minor digits (0 to 3) and 15 integer digits; a JSON number must have at most 15 significant digits (send a string for more)";
const PARSED_AMOUNT_FORM =
  'a decimal string such as "10.50": on a direct invocation the Lambda runtime has already parsed JSON numbers, so their exactness cannot be shown';
const placesForm = (currency: string, exp: number) =>
  `a positive decimal with at most ${exp} place${exp === 1 ? '' : 's'} for ${currency} (its ISO 4217 minor unit)`;

type Check = (v: unknown) => boolean;
const optional =
  (ok: Check): Check =>
  (v) =>
    v === undefined || ok(v);

/** One rule per accepted field, in the order they are checked; any other field is refused. */
const RULES: ReadonlyMap<string, [Check, string]> = new Map<string, [Check, string]>([
  ['transactionId', [isId, ID_FORM]],
  ['accountId', [isId, ID_FORM]],
  [
    'amount',
    [
      (v) => {
        const text = amountText(v);
        return text !== undefined && AMOUNT.test(text) && /[1-9]/.test(text);
      },
      AMOUNT_FORM,
    ],
  ],
  ['currency', [(v) => typeof v === 'string' && CURRENCIES.has(v), 'an ISO-4217 code such as USD']],
  ['type', [(v) => typeof v === 'string' && TYPES.has(v), [...TYPES].join(' | ')]],
  [
    'timestamp',
    [optional(isTimestamp), `ISO-8601 with a time zone, from ${EARLIEST_TIMESTAMP} to ${LATEST_TIMESTAMP} in UTC`],
  ],
  [
    'metadata',
    [optional(isMetadata), 'an object of at most 20 id-like keys with strings of at most 256 (well-formed Unicode)'],
  ],
  [
    'document',
    [
      optional(isDocument),
      '{contentType, content}: contentType a media type string such as application/pdf, content a string of at most 1 MiB of base64',
    ],
  ],
]);

const hash = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export interface ValidateOptions {
  /** See NumberSource; `exact` when not given. */
  readonly numbers?: NumberSource;
  /**
   * Who is asking, as it enters the fingerprint (see callerIdentity in processor.ts): the same
   * content from another principal is another request, so it cannot replay this one's record.
   */
  readonly caller?: string;
}

export function validate(input: unknown, { numbers = 'exact', caller = '' }: ValidateOptions = {}): Validated {
  checkFields(input, numbers);
  const [transactionId, accountId, currency, type, timestamp] = [
    'transactionId',
    'accountId',
    'currency',
    'type',
    'timestamp',
  ].map((k) => own(input, k) as string);
  checkCanaryNamespace(transactionId, accountId);
  const metadata = own(input, 'metadata') as Record<string, string> | undefined;
  const document = own(input, 'document') as { contentType: string; content: string } | undefined;
  // Before the document is decoded and hashed: a refused amount costs no work on up to 1 MiB.
  const amount = minorUnits(own(input, 'amount'), currency);
  const body = document && Buffer.from(document.content, 'base64');
  const doc = document && body && { contentType: document.contentType, body, sha256: hash(body) };
  const t = {
    transactionId,
    accountId,
    ...amount,
    currency,
    type,
    createdAt: timestamp && new Date(timestamp).toISOString(),
  };
  // The identity of a request: fixed field order, metadata sorted by key, the document by its hash.
  const sortedMetadata =
    metadata &&
    Object.keys(metadata)
      .sort()
      .map((k) => [k, metadata[k]]);
  const identity = [...Object.values(t), sortedMetadata, doc && [doc.contentType, doc.sha256], caller];
  return { transaction: { ...t, metadata, fingerprint: hash(JSON.stringify(identity)) }, document: doc };
}

const { accountId: CANARY_ACCOUNT, transactionIdPrefix: CANARY_PREFIX } = DR_CHECK_CANARY;

/**
 * dr:check's canary namespace (src/contract.ts DR_CHECK_CANARY): its account and its id prefix only
 * together, and only in that spelling, so that no other record can fall inside dr:check's delete rights.
 * Who may write in it is the processor's check (a 403), after this one.
 */
function checkCanaryNamespace(transactionId: string, accountId: string): void {
  const canaryAccount = accountId === CANARY_ACCOUNT;
  if (!canaryAccount && accountId.toLowerCase() === CANARY_ACCOUNT)
    throw new ValidationError(
      'accountId',
      `an id other than ${CANARY_ACCOUNT} in any letter case (reserved for dr:check)`,
    );
  const canaryId = transactionId.startsWith(CANARY_PREFIX);
  if (canaryAccount && !canaryId)
    throw new ValidationError(
      'transactionId',
      `an id starting ${CANARY_PREFIX} (accountId ${CANARY_ACCOUNT} is dr:check's)`,
    );
  if (!canaryAccount && transactionId.toLowerCase().startsWith(CANARY_PREFIX))
    throw new ValidationError(
      'transactionId',
      `an id not starting ${CANARY_PREFIX} in any letter case (reserved for accountId ${CANARY_ACCOUNT}, dr:check's)`,
    );
}

/** Every field against its rule, and no other field; throws the first ValidationError. */
function checkFields(input: unknown, numbers: NumberSource): asserts input is Record<string, unknown> {
  if (!isObject(input)) throw new ValidationError('event', 'a JSON object');
  for (const k of Object.keys(input)) if (!RULES.has(k)) throw new ValidationError(k, 'no such field');
  for (const [k, [ok, expected]] of RULES) if (!ok(own(input, k))) throw new ValidationError(k, expected);
  // Only here: when the event is otherwise valid, the amount is the only number the JSON text can hold.
  if (typeof own(input, 'amount') === 'number' && numbers !== 'exact')
    throw new ValidationError('amount', numbers === 'parsed' ? PARSED_AMOUNT_FORM : AMOUNT_FORM);
}

/** The amount in the currency's minor unit (amount, amountMinor, amountExponent, in that order). */
function minorUnits(amount: unknown, currency: string) {
  const [, units, places = ''] = AMOUNT.exec(amountText(amount)!)!;
  const exponent = CURRENCY_EXPONENTS.get(currency)!;
  if (places.length > exponent) throw new ValidationError('amount', placesForm(currency, exponent));
  const minor = places.padEnd(exponent, '0');
  return {
    amount: exponent ? `${units}.${minor}` : units,
    amountMinor: (units + minor).replace(/^0+/, ''),
    amountExponent: exponent,
  };
}

/** A decimal's exact value as sign, digits and exponent ("10.50" and "1.05e1" are both "105e-1"). */
function exactDecimal(text: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return undefined; // Infinity
  const [, sign, int, frac = '', exp = '0'] = m;
  const digits = (int + frac).replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  return trimmed ? `${sign}${trimmed}e${Number(exp) - frac.length + digits.length - trimmed.length}` : '0';
}

/** Strings (skipped whole, escapes included) and numbers of valid JSON text. */
const JSON_TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Whether every number in this (already parsed, so valid) JSON text parses to exactly the value written. */
export function numbersAreExact(json: string): boolean {
  for (const [token] of json.matchAll(JSON_TOKENS)) {
    if (token[0] !== '"' && exactDecimal(token) !== exactDecimal(String(Number(token)))) return false;
  }
  return true;
}
