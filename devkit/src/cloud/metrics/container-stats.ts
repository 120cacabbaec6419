/**
 * One container's resource use as the engine reports it (Docker's one-shot stats), and what two
 * readings of it say about the time between them: CPU in ECS units (1024 per vCPU), memory in MiB,
 * network in bytes per second. Storage stays cumulative, as Container Insights reports it.
 */
import type Docker from 'dockerode';

/** Cumulative counters and the current memory of one container at one instant. */
export interface ContainerReading {
  /** When the engine read the counters (epoch ms). */
  at: number;
  cpuNanos: number;
  /** Memory in use without the reclaimable page cache (what `docker stats` shows, and ECS). */
  memoryBytes: number;
  rxBytes: number;
  txBytes: number;
  readBytes: number;
  writeBytes: number;
}

/** What a container did between two readings. */
export interface ContainerUsage {
  cpuUnits: number;
  memoryMiB: number;
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
  readBytes: number;
  writeBytes: number;
}

const MIB = 1024 * 1024;
const CPU_UNITS_PER_VCPU = 1024;

/** The reading of a stats document; undefined for a container that is not running (no counters). */
export function readingOf(stats: Docker.ContainerStats): ContainerReading | undefined {
  const cpuNanos = stats.cpu_stats?.cpu_usage?.total_usage;
  const memory = stats.memory_stats;
  if (cpuNanos === undefined || memory?.usage === undefined) return undefined;
  // cgroup v1 reports total_inactive_file, v2 inactive_file: either is cache the kernel can reclaim.
  const pageCache =
    (memory.stats as Record<string, number> | undefined)?.['inactive_file'] ??
    memory.stats?.total_inactive_file ??
    0;
  const networks = Object.values(stats.networks ?? {});
  const blkio = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const io = (op: string) =>
    blkio.filter((e) => e.op.toLowerCase() === op).reduce((sum, e) => sum + e.value, 0);
  return {
    at: Date.parse(stats.read),
    cpuNanos,
    memoryBytes: Math.max(0, memory.usage - (pageCache < memory.usage ? pageCache : 0)),
    rxBytes: networks.reduce((sum, n) => sum + n.rx_bytes, 0),
    txBytes: networks.reduce((sum, n) => sum + n.tx_bytes, 0),
    readBytes: io('read'),
    writeBytes: io('write'),
  };
}

/** Reads a container's counters now; undefined when it is gone or stopped. */
export async function readContainer(container: Docker.Container): Promise<ContainerReading | undefined> {
  try {
    // One-shot: the engine answers at once instead of waiting a second for a CPU delta of its own.
    return readingOf(await container.stats({ stream: false, 'one-shot': true }));
  } catch {
    return undefined;
  }
}

/** Rates between `before` and `now` (a counter that went backwards means a restart: zero, not negative). */
export function usageBetween(before: ContainerReading, now: ContainerReading): ContainerUsage {
  const seconds = Math.max((now.at - before.at) / 1000, 1e-3);
  const delta = (a: number, b: number) => Math.max(0, b - a);
  return {
    cpuUnits: (delta(before.cpuNanos, now.cpuNanos) / 1e9 / seconds) * CPU_UNITS_PER_VCPU,
    memoryMiB: now.memoryBytes / MIB,
    rxBytesPerSecond: delta(before.rxBytes, now.rxBytes) / seconds,
    txBytesPerSecond: delta(before.txBytes, now.txBytes) / seconds,
    readBytes: now.readBytes,
    writeBytes: now.writeBytes,
  };
}
