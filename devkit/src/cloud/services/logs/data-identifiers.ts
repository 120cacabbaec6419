/**
 * The managed data identifiers the local cloud's data protection finds, as AWS's "Types of data
 * that you can protect" pages describe each: its shape, its checks (a credit card number's Luhn
 * digit and issuer prefix, a VIN's check digit) and the keywords it needs nearby. A keyword must be
 * within 30 characters of the data (before or after it), case-insensitively; a keyword with a space
 * also matches without it or with `_` or `-` in its place, as AWS documents. AWS's identifiers that
 * need machine learning (Name, Address) or country-specific formats are not among them: a policy
 * naming one is refused (data-protection.ts) rather than accepted and left unmasked.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** [start, end) of one occurrence in the message. */
export type Span = [number, number];

interface ManagedIdentifier {
  /** Candidates (a global regex); `valid` and the keywords then decide. */
  pattern: RegExp;
  valid?: (text: string) => boolean;
  keywords?: RegExp;
}

const KEYWORD_DISTANCE = 30;

/** One regex for a keyword list: spaces may be missing or be `_`/`-`; not inside a longer word. */
function keywordsPattern(keywords: readonly string[]): RegExp {
  const alternatives = keywords.map((k) =>
    k
      .split(' ')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&'))
      .join('[ _-]?'),
  );
  return new RegExp(`(?<![a-z])(?:${alternatives.join('|')})(?![a-z])`, 'i');
}

/** Luhn's check, on the digits only. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1 && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The issuers AWS lists: American Express, Dankort, Diners Club, Discover, Electron, JCB, Mastercard, UnionPay, Visa. */
const CARD_PREFIX =
  /^(?:3[47]|4|5019|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|6011|64[4-9]|65|30[0-5]|3[689]|35(?:2[89]|[3-8]\d)|62)/;

function creditCardNumber(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhn(digits);
}

/** ISO 3779's check digit (the ninth character), as North American VINs carry it. */
function vehicleIdentificationNumber(vin: string): boolean {
  const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i]!;
    sum += (c >= '0' && c <= '9' ? Number(c) : transliterate(c)) * weights[i]!;
  }
  const check = sum % 11;
  return vin[8] === (check === 10 ? 'X' : String(check));
}

/** A VIN letter's value (ISO 3779): A–H 1–8, J–R 1–9 (no O or Q), S–Z 2–9. */
function transliterate(c: string): number {
  const code = c.charCodeAt(0);
  if (code <= 72) return code - 64;
  if (code <= 82) return code - 73;
  return code - 81;
}

const privateKey = (begin: string, end: string) =>
  new RegExp(`-----BEGIN ${begin}-----[\\s\\S]*?-----END ${end}-----`, 'g');

export const MANAGED_IDENTIFIERS: ReadonlyMap<string, ManagedIdentifier> = new Map<string, ManagedIdentifier>(
  [
    [
      'EmailAddress',
      { pattern: /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g },
    ],
    [
      'IpAddress',
      {
        // Dotted quads and IPv6 forms, confirmed by node's parser (a time like 12:30:45 is not one).
        pattern:
          /(?<![\w.:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?|(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)/g,
        valid: (text) => isIPv4(text) || (isIPv6(text) && /[0-9A-Fa-f]/.test(text)),
      },
    ],
    [
      'AwsSecretKey',
      {
        pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g,
        keywords: keywordsPattern([
          'aws_secret_access_key',
          'credentials',
          'secret access key',
          'secret key',
          'set-awscredential',
        ]),
      },
    ],
    ['OpenSshPrivateKey', { pattern: privateKey('OPENSSH PRIVATE KEY', 'OPENSSH PRIVATE KEY') }],
    ['PgpPrivateKey', { pattern: privateKey('PGP PRIVATE KEY BLOCK', 'PGP PRIVATE KEY BLOCK') }],
    [
      'PkcsPrivateKey',
      {
        pattern: privateKey(
          '(?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY',
          '(?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY',
        ),
      },
    ],
    ['PuttyPrivateKey', { pattern: /PuTTY-User-Key-File-\d+: [\s\S]*?Private-MAC: [0-9a-fA-F]+/g }],
    [
      'CreditCardNumber',
      {
        pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
        valid: creditCardNumber,
        keywords: keywordsPattern([
          'account number',
          'american express',
          'amex',
          'bank card',
          'card',
          'card number',
          'card num',
          'cc #',
          'ccn',
          'check card',
          'credit',
          'credit card#',
          'dankort',
          'debit',
          'debit card',
          'diners club',
          'discover',
          'electron',
          'japanese card bureau',
          'jcb',
          'mastercard',
          'mc',
          'pan',
          'payment account number',
          'payment card number',
          'pcn',
          'union pay',
          'visa',
        ]),
      },
    ],
    [
      'CreditCardSecurityCode',
      {
        pattern: /(?<![\w-])\d{3,4}(?![\w-])/g,
        keywords: keywordsPattern([
          'card id',
          'card identification code',
          'card identification number',
          'card security code',
          'card validation code',
          'card validation number',
          'card verification data',
          'card verification value',
          'cvc',
          'cvc2',
          'cvv',
          'cvv2',
          'elo verification code',
        ]),
      },
    ],
    [
      'CreditCardExpiration',
      {
        pattern: /(?<![\d/-])(?:0[1-9]|1[0-2])\s?[/-]\s?(?:\d{4}|\d{2})(?![\d/-])/g,
        keywords: keywordsPattern(['exp d', 'exp m', 'exp y', 'expiration', 'expiry']),
      },
    ],
    [
      'VehicleIdentificationNumber',
      { pattern: /(?<![A-Za-z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])/g, valid: vehicleIdentificationNumber },
    ],
  ],
);

/** Whether a keyword of the list is within 30 characters of [start, end). */
function keywordNear(message: string, [start, end]: Span, keywords: RegExp): boolean {
  return (
    keywords.test(message.slice(Math.max(0, start - KEYWORD_DISTANCE), start)) ||
    keywords.test(message.slice(end, end + KEYWORD_DISTANCE))
  );
}

/** Where a managed identifier finds its data in `message`. */
export function managedSpans(identifier: ManagedIdentifier, message: string): Span[] {
  const spans: Span[] = [];
  for (const match of message.matchAll(identifier.pattern)) {
    const span: Span = [match.index, match.index + match[0].length];
    if (identifier.valid && !identifier.valid(match[0])) continue;
    if (identifier.keywords && !keywordNear(message, span, identifier.keywords)) continue;
    spans.push(span);
  }
  return spans;
}
