/** GetRandomPassword: AWS's character classes and options, from a cryptographic source. */
import { randomInt } from 'node:crypto';
import type { GetRandomPasswordRequest, GetRandomPasswordResponse } from '@aws-sdk/client-secrets-manager';
import type { Handler } from '../../service-definition.ts';
import { InvalidParameterException } from './errors.ts';
import type { SecretsState } from './state.ts';

const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const NUMBERS = '0123456789';
/** The punctuation Secrets Manager draws from (its documentation lists exactly these). */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const DEFAULT_LENGTH = 32;

export const getRandomPassword: Handler<GetRandomPasswordRequest, GetRandomPasswordResponse, SecretsState> = (
  input,
) => {
  const excluded = new Set(input.ExcludeCharacters ?? '');
  const classes = [
    [UPPERCASE, input.ExcludeUppercase],
    [LOWERCASE, input.ExcludeLowercase],
    [NUMBERS, input.ExcludeNumbers],
    [PUNCTUATION, input.ExcludePunctuation],
    [' ', !input.IncludeSpace],
  ]
    .filter(([, exclude]) => !exclude)
    .map(([chars]) => [...(chars as string)].filter((c) => !excluded.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  const length = input.PasswordLength ?? DEFAULT_LENGTH;
  if (classes.length === 0) {
    throw new InvalidParameterException('The password cannot be generated: every character is excluded.');
  }
  const requireEach = input.RequireEachIncludedType ?? true;
  if (requireEach && length < classes.length) {
    throw new InvalidParameterException(
      `The password length ${length} is too short to include a character of each of the ${classes.length} included types.`,
    );
  }
  const all = classes.join('');
  const pick = (chars: string) => chars[randomInt(chars.length)]!;
  const chars = Array.from({ length }, (_, i) =>
    requireEach && i < classes.length ? pick(classes[i]!) : pick(all),
  );
  // Fisher–Yates, so the required characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return { RandomPassword: chars.join('') };
};
