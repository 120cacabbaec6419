/**
 * Request decoding stays linear: an ec2Query DescribeVpcs with N `VpcId.n` parameters and an
 * awsJson DescribeClusters with N cluster names, decoded by the protocol codecs against the SDK's
 * schemas, for N = 10,000 / 20,000 / 40,000 / 80,000. Printed: the median decode time, its ratio to
 * Node's own URLSearchParams/JSON.parse of the same body (the floor), and the growth per doubling
 * of N (≈2 when linear; the quadratic decoder it replaced took 21 s at 80,000 parameters).
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecs from '@aws-sdk/client-ecs';
import { availableParallelism, loadavg } from 'node:os';
import type { OperationSchema, ProtocolCodec } from '../src/cloud/protocol/codec.ts';
import { awsJson } from '../src/cloud/protocol/json.ts';
import { ec2Query } from '../src/cloud/protocol/query.ts';
import { fmt, median } from './stats.ts';

const SIZES = [10_000, 20_000, 40_000, 80_000];
const RUNS = 5;

function time(fn: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

function row(
  label: string,
  codec: ProtocolCodec,
  schema: unknown,
  body: (n: number) => string,
  floor: (b: string) => unknown,
) {
  let previous: number | undefined;
  for (const n of SIZES) {
    const text = body(n);
    const decode = time(() => codec.decode(schema as OperationSchema, text));
    const base = time(() => floor(text));
    console.log(
      `${label.padEnd(24)} n=${String(n).padStart(6)} ${fmt(text.length / 1e6, 1)} MB  decode ${fmt(decode, 1)} ms` +
        `  x${fmt(decode / base, 1)} of the bare parse` +
        (previous ? `  x${fmt(decode / previous, 2)} per doubling` : ''),
    );
    previous = decode;
  }
}

export default async function decodeBench(): Promise<void> {
  console.log(`${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`);
  row(
    'ec2Query DescribeVpcs',
    ec2Query(''),
    ec2.DescribeVpcs$,
    (n) =>
      'Action=DescribeVpcs&Version=2016-11-15&' +
      Array.from({ length: n }, (_, i) => `VpcId.${i + 1}=vpc-${String(i).padStart(17, '0')}`).join('&'),
    (b) => [...new URLSearchParams(b)].length,
  );
  row(
    'awsJson DescribeClusters',
    awsJson,
    ecs.DescribeClusters$,
    (n) => JSON.stringify({ clusters: Array.from({ length: n }, (_, i) => `cluster-${i}`) }),
    (b) => JSON.parse(b) as unknown,
  );
}

if (import.meta.main) await decodeBench();
