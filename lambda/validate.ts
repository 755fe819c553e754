/**
 * Strict validation of a transaction event. Everything the processor stores passes
 * through here; anything else is a ValidationError naming the field and the expected
 * form (HTTP 400), raised before any write.
 */
import { createHash } from 'crypto';

export class ValidationError extends Error {
  /** `message` is the expected form, e.g. "a positive decimal with at most 2 places". */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
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
  /** Exact decimal string with two places, e.g. "10.50". */
  readonly amount: string;
  /** Integer minor units as a string (no float drift, no 2^53 limit), e.g. "1050". */
  readonly amountMinor: string;
  readonly currency: string;
  readonly type: string;
  /** ISO-8601 UTC; only when the caller sent one (server time is not part of the identity). */
  readonly createdAt?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** SHA-256 over everything the caller sent: a retry matches it, a conflicting reuse does not. */
  readonly fingerprint: string;
}

export interface Validated {
  readonly transaction: Transaction;
  readonly document?: TransactionDocument;
}

/**
 * Active ISO-4217 currencies, compacted for the inline bundle: each capital letter starts
 * a group of lowercase pairs ("Bambbd" is BAM, BBD). Fund, metal, test and no-currency
 * codes (XAU, XTS, XXX...) are not payment currencies and are refused.
 */
const CURRENCY_TABLE =
  'AedfnllmdngoarsudwgznBambddtgnhdifmdndobrlsdtnwpynzdCaddfhflpnyoprcupvezkDjfkkopzdEgprntburFjdkpGbpelhsipmdnftqydHkdnltgufIdrlsnrqdrrskJmdodpyKesgshrmfpwrwwdydztLakbpkrrdslydMaddlgakdmkntopruurvrwkxnyrznNadgniookprzdOmrPabengkhpkrlnygQarRonsdubwfSarbdcrdgekgdhpleosrdsptnvcypzlThbjsmtndoprytdwdzsUahgxsdyuzsVedesnduvWstXafcdcgofpfYerZarmwwg';
export const CURRENCIES = new Set(
  CURRENCY_TABLE.match(/[A-Z][a-z]+/g)!.flatMap((g) => g.slice(1).match(/../g)!.map((p) => g[0] + p.toUpperCase())),
);
export const TYPES = ['debit', 'credit', 'refund'];
export const MAX_DOCUMENT_BYTES = 1 << 20;

const ID = /^[\w.:-]{1,64}$/;
const ID_FORM = '1-64 of A-Z a-z 0-9 _ . : -';
const AMOUNT = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;
const isId = (v: any) => ID.test(v) && typeof v == 'string';
const isObject = (v: any) => typeof v == 'object' && v && !Array.isArray(v);
/** Numbers through their shortest form: 0.1 + 0.2 fails the 2-decimal rule instead of drifting. */
const amountText = (v: any) => (typeof v == 'number' ? String(v) : v);

type Rule = [ok: (v: any) => unknown, expected: string];
const optional = ([ok, expected]: Rule): Rule => [(v) => v === undefined || ok(v), expected];

/** One rule per accepted field, in the order they are checked; any other field is refused. */
const RULES: Record<string, Rule> = {
  transactionId: [isId, ID_FORM],
  accountId: [isId, ID_FORM],
  amount: [(v) => typeof v != 'object' && AMOUNT.test(amountText(v)) && /[1-9]/.test(v), 'a positive decimal with at most 2 places'],
  currency: [(v) => CURRENCIES.has(v), 'an ISO-4217 code such as USD'],
  type: [(v) => TYPES.includes(v), TYPES.join(' | ')],
  timestamp: optional([
    // Date.parse alone accepts 2026-02-30 and 24:00 (rolling over): the wall-clock part must print back unchanged.
    (v) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)$/.test(v) &&
      !isNaN(Date.parse(v)) &&
      new Date(v.slice(0, 19) + 'Z').toJSON()?.startsWith(v.slice(0, 19)),
    'ISO-8601 with a time zone',
  ]),
  metadata: optional([
    (v) =>
      isObject(v) &&
      Object.keys(v).length <= 20 &&
      Object.entries(v).every(([k, x]) => isId(k) && typeof x == 'string' && x.length <= 256),
    'at most 20 id-like keys with strings of at most 256',
  ]),
  document: optional([
    (v) =>
      isObject(v) &&
      Object.keys(v).sort().join() == 'content,contentType' &&
      /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/.test(v.contentType) &&
      /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v.content) &&
      v.content &&
      // decoded size: 3 bytes per 4 characters, less the padding
      (v.content.length / 4) * 3 - v.content.split('=').length + 1 <= MAX_DOCUMENT_BYTES,
    '{contentType, content}: a media type and at most 1 MiB of base64',
  ]),
};

const hash = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function validate(input: any): Validated {
  if (!isObject(input)) throw new ValidationError('event', 'a JSON object');
  for (const k in input) if (!RULES[k]) throw new ValidationError(k, 'no such field');
  for (const k in RULES) if (!RULES[k][0](input[k])) throw new ValidationError(k, RULES[k][1]);

  const { transactionId, accountId, currency, type, timestamp, metadata, document } = input;
  const [, units, decimals = '.'] = AMOUNT.exec(amountText(input.amount))!;
  const cents = decimals.slice(1).padEnd(2, '0');
  const body = document && Buffer.from(document.content, 'base64');
  const doc = document && { contentType: document.contentType, body, sha256: hash(body) };
  const t = {
    transactionId,
    accountId,
    amount: `${units}.${cents}`,
    amountMinor: (units + cents).replace(/^0+/, ''),
    currency,
    type,
    createdAt: timestamp && new Date(timestamp).toISOString(),
  };
  // The identity of a request: fixed field order, metadata sorted, the document by its hash.
  const identity = [...Object.values(t), metadata && Object.entries(metadata).sort(), doc && [doc.contentType, doc.sha256]];
  return { transaction: { ...t, metadata, fingerprint: hash(JSON.stringify(identity)) }, document: doc };
}
