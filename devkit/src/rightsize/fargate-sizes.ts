/**
 * Fargate's valid task sizes (the stack schema's table, the one place it lives) ordered by what they
 * cost, so "the smallest size" means the cheapest one that fits, as AWS bills it.
 */
import { FARGATE_CPU, fargateMemoryFor } from '../stack/schema.ts';

export interface FargateSize {
  /** CPU units: 1024 = 1 vCPU. */
  cpu: number;
  /** MiB. */
  memory: number;
}

// Linux/x86 on-demand, us-east-1 (USD per hour). Only their ratio matters here: it orders the sizes
// the way the bill does (a vCPU costs about as much as 9 GB of memory).
const PER_VCPU_HOUR = 0.04048;
const PER_GB_HOUR = 0.004445;

/** USD per task-hour. */
export function hourlyPrice(size: FargateSize): number {
  return (size.cpu / 1024) * PER_VCPU_HOUR + (size.memory / 1024) * PER_GB_HOUR;
}

/** Every valid pair, cheapest first (ties: less CPU first). */
export const FARGATE_SIZES: readonly FargateSize[] = FARGATE_CPU.flatMap((cpu) =>
  fargateMemoryFor(cpu).map((memory) => ({ cpu, memory })),
).sort((a, b) => hourlyPrice(a) - hourlyPrice(b) || a.cpu - b.cpu);

/** The cheapest valid pair with at least `cpu` units and `memory` MiB; undefined past the largest. */
export function smallestSize(cpu: number, memory: number): FargateSize | undefined {
  return FARGATE_SIZES.find((size) => size.cpu >= cpu && size.memory >= memory);
}

export const isFargateSize = (size: FargateSize): boolean =>
  FARGATE_SIZES.some((s) => s.cpu === size.cpu && s.memory === size.memory);

/** e.g. "0.25 vCPU / 512 MiB". */
export function describeSize(size: FargateSize): string {
  const memory = size.memory >= 1024 ? `${size.memory / 1024} GB` : `${size.memory} MiB`;
  return `${size.cpu / 1024} vCPU / ${memory}`;
}
