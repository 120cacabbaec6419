/**
 * Wildcards (EC2 filters, Logs JSON pattern values) and Logs `%regex%` patterns match without
 * backtracking: the same answers as a regular expression on small generated cases (seeded), and
 * the patterns that never returned before answer at once through the real SDK and AWS CLI.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTagsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/cloud/gateway.ts';
import { compileFilterRegex } from '../../src/cloud/services/logs/filter-regex.ts';
import { wildcardMatcher } from '../../src/cloud/services/wildcard.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from './harness.ts';

/** The failure mode is a hang: any call that comes back well within this has not backtracked. */
const GENEROUS_MS = 2000;
const HOSTILE_WILDCARD = `${'*a'.repeat(14)}*b`;

const small = (chars: string[], maxLength: number) =>
  fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));

describe('wildcard patterns', () => {
  const reference = (pattern: string, questionMark: boolean) =>
    new RegExp(
      `^${[...pattern]
        .map((c) => (c === '*' ? '.*' : c === '?' && questionMark ? '.' : c.replace(/[?+.]/, '\\$&')))
        .join('')}$`,
      'su',
    );

  it('answer as the equivalent regular expression would (seeded, generated)', () => {
    fc.assert(
      fc.property(
        small(['a', 'b', '*', '?'], 8),
        small(['a', 'b', '?', '😀'], 10),
        fc.boolean(),
        (p, v, q) => {
          expect(wildcardMatcher(p, { questionMark: q })(v)).toBe(reference(p, q).test(v));
        },
      ),
      { seed: 11, numRuns: 3000 },
    );
  });
});

describe('%regex% filter patterns', () => {
  // AWS's regex syntax without groups: the same meaning as a JavaScript RegExp.
  const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '1', '-');
  const quantifier = fc.constantFrom('', '', '?', '*', '+', '{2}', '{1,2}', '{0,}');
  const alternative = fc
    .tuple(fc.boolean(), fc.array(fc.tuple(atom, quantifier), { maxLength: 5 }), fc.boolean())
    .map(
      ([start, terms, end]) => `${start ? '^' : ''}${terms.map(([a, q]) => a + q).join('')}${end ? '$' : ''}`,
    );
  const pattern = fc.array(alternative, { minLength: 1, maxLength: 3 }).map((a) => a.join('|'));

  it('answer as a JavaScript RegExp does on the syntax AWS supports (seeded, generated)', () => {
    fc.assert(
      fc.property(pattern, small(['a', 'b', '1', '-', ' ', 'é'], 12), (p, message) => {
        expect(compileFilterRegex(p)(message)).toBe(new RegExp(p).test(message));
      }),
      { seed: 11, numRuns: 3000 },
    );
    // Past 31 steps the automaton is kept as a list of positions: the same answers.
    const long = `${'[ab]'.repeat(40)}c`;
    expect(compileFilterRegex(long)(`x${'ab'.repeat(20)}c`)).toBe(true);
    expect(compileFilterRegex(long)(`x${'ab'.repeat(19)}c`)).toBe(false);
  });

  it('refuses what AWS does not support: groups, other symbols, multibyte characters', () => {
    for (const refused of ['^(ERROR|WARN)', 'a!', 'é', 'a**', '*a', '[a', 'a{', 'a$b']) {
      expect(() => compileFilterRegex(refused), refused).toThrow(/Invalid filter pattern/);
    }
  });
});

describe('hostile patterns through the real API', () => {
  let t: TestCloud;
  let ec2: EC2Client;
  let logs: CloudWatchLogsClient;
  const calls: CallRecord[] = [];
  /** How long the server took over the last call of `operation`. */
  const lastDuration = (operation: string) => calls.findLast((c) => c.operation === operation)!.durationMs;

  beforeAll(async () => {
    t = await startTestCloud({ onCall: (call) => calls.push(call) });
    ec2 = new EC2Client(t.clientConfig);
    logs = new CloudWatchLogsClient(t.clientConfig);
  });

  afterAll(async () => {
    ec2.destroy();
    logs.destroy();
    await t.dispose();
  });

  it('EC2 filters: *a*a…*b against a 256-character tag value answers at once', async () => {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
    const subnet = Subnets![0]!.SubnetId!;
    await ec2.send(
      new CreateTagsCommand({ Resources: [subnet], Tags: [{ Key: 'bt', Value: 'a'.repeat(256) }] }),
    );
    const hostile = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:bt', Values: [HOSTILE_WILDCARD] }] }),
    );
    expect(hostile.Subnets).toEqual([]);
    expect(lastDuration('DescribeSubnets')).toBeLessThan(GENEROUS_MS);
    const matching = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:bt', Values: [`${'*a'.repeat(14)}*`, 'a?a'] }] }),
    );
    expect(matching.Subnets!.map((s) => s.SubnetId)).toEqual([subnet]);
  });

  it.skipIf(!awsCliAvailable)('EC2 filters: the issue’s own aws ec2 describe-subnets returns', async () => {
    const { json } = await t.aws([
      'ec2',
      'describe-subnets',
      '--filters',
      `Name=tag:bt,Values=${HOSTILE_WILDCARD}`,
    ]);
    expect(json).toEqual({ Subnets: [] });
    expect(lastDuration('DescribeSubnets')).toBeLessThan(GENEROUS_MS);
  });

  it('Logs: %regex% and JSON wildcards against a 50,000-character event answer at once', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'bt' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'bt', logStreamName: 's' }));
    const long = 'a'.repeat(50_000);
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'bt',
        logStreamName: 's',
        logEvents: [
          { timestamp: Date.now(), message: long },
          { timestamp: Date.now(), message: JSON.stringify({ m: long }) },
        ],
      }),
    );
    const filter = async (filterPattern: string) => {
      const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: 'bt', filterPattern }));
      expect(lastDuration('FilterLogEvents'), filterPattern).toBeLessThan(GENEROUS_MS);
      return events!.length;
    };
    expect(await filter(`%${'a*'.repeat(20)}b%`)).toBe(0);
    expect(await filter(`%^${'.*'.repeat(20)}b$%`)).toBe(0);
    expect(await filter(`{ $.m = "${HOSTILE_WILDCARD}" }`)).toBe(0);
    expect(await filter(`%^${'a*'.repeat(20)}$%`)).toBe(1);
    expect(await filter(`{ $.m = "${'*a'.repeat(14)}*" }`)).toBe(1);
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: 'bt', filterPattern: '%^(a|b)%' })),
    ).rejects.toThrow(InvalidParameterException);
  });
});
