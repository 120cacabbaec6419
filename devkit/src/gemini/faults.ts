/**
 * Fault injection for the replay server, configured once (`--fault`) or per request
 * (`x-devkit-fault` header), in the same small language:
 *
 *   latency=200ms | latency=uniform(50ms,150ms) | latency=normal(100ms,20ms)
 *   429 | 429=30s (RetryInfo retryDelay, default 15s) | 500 | 503
 *   reset | cut-stream | malformed-chunk
 *
 * Items are comma-separated; `@0.1` or `@10%` after an item applies it to that share of requests.
 */

export type Delay =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'normal'; meanMs: number; sdMs: number };

export type Fault =
  | { kind: 'latency'; delay: Delay }
  | { kind: 'status'; code: 429; retryDelay: string }
  | { kind: 'status'; code: 500 | 503 }
  /** The connection is reset (TCP RST) before any reply. */
  | { kind: 'reset' }
  /** The reply stops halfway and the connection closes. */
  | { kind: 'cut-stream' }
  /** One chunk (the middle SSE event, or a unary body) is truncated, invalid JSON. */
  | { kind: 'malformed-chunk' };

export interface FaultRule {
  fault: Fault;
  probability: number;
}

export const FAULT_HEADER = 'x-devkit-fault';

export class FaultSpecError extends Error {}

export function parseFaults(spec: string): FaultRule[] {
  return splitItems(spec).map(parseRule);
}

/** The spec that parses back into these rules (parseFaults's inverse); empty for none. */
export function formatFaults(rules: readonly FaultRule[]): string {
  return rules
    .map(({ fault, probability }) => `${formatFault(fault)}${probability < 1 ? `@${probability}` : ''}`)
    .join(',');
}

function formatFault(fault: Fault): string {
  switch (fault.kind) {
    case 'latency': {
      const { delay } = fault;
      if (delay.kind === 'fixed') return `latency=${delay.ms}ms`;
      if (delay.kind === 'uniform') return `latency=uniform(${delay.minMs}ms,${delay.maxMs}ms)`;
      return `latency=normal(${delay.meanMs}ms,${delay.sdMs}ms)`;
    }
    case 'status':
      return fault.code === 429 ? `429=${fault.retryDelay}` : String(fault.code);
    default:
      return fault.kind;
  }
}

/** The faults that apply to one request, each rule drawn independently. */
export function drawFaults(rules: readonly FaultRule[], random: () => number): Fault[] {
  return rules
    .filter((rule) => rule.probability >= 1 || random() < rule.probability)
    .map((rule) => rule.fault);
}

export function sampleDelayMs(delay: Delay, random: () => number): number {
  switch (delay.kind) {
    case 'fixed':
      return delay.ms;
    case 'uniform':
      return delay.minMs + random() * (delay.maxMs - delay.minMs);
    case 'normal': {
      // Box-Muller; 1 - random() keeps the logarithm's argument above zero.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.max(0, delay.meanMs + z * delay.sdMs);
    }
  }
}

/** Commas inside parentheses belong to a distribution's arguments. */
function splitItems(spec: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of spec) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  items.push(current);
  const trimmed = items.map((item) => item.trim()).filter(Boolean);
  if (trimmed.length === 0) throw new FaultSpecError(`no fault in '${spec}'`);
  return trimmed;
}

function parseRule(item: string): FaultRule {
  const at = item.lastIndexOf('@');
  if (at === -1) return { fault: parseFault(item), probability: 1 };
  const share = item.slice(at + 1).trim();
  const percent = share.endsWith('%');
  const probability = Number(percent ? share.slice(0, -1) : share) / (percent ? 100 : 1);
  if (share === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
    throw new FaultSpecError(`'${item}': the share after @ must be between 0 and 1 (or 0% and 100%)`);
  }
  return { fault: parseFault(item.slice(0, at).trim()), probability };
}

function parseFault(item: string): Fault {
  switch (item) {
    case '429':
      return { kind: 'status', code: 429, retryDelay: '15s' };
    case '500':
    case '503':
      return { kind: 'status', code: Number(item) as 500 | 503 };
    case 'reset':
    case 'cut-stream':
    case 'malformed-chunk':
      return { kind: item };
  }
  if (item.startsWith('429=')) {
    const seconds = durationMs(item.slice(4)) / 1000;
    return { kind: 'status', code: 429, retryDelay: `${seconds}s` };
  }
  if (item.startsWith('latency=')) return { kind: 'latency', delay: parseDelay(item.slice(8)) };
  throw new FaultSpecError(
    `unknown fault '${item}': use latency=<ms>, latency=uniform(a,b), latency=normal(mean,sd), 429, 429=<delay>, 500, 503, reset, cut-stream or malformed-chunk`,
  );
}

function parseDelay(text: string): Delay {
  const call = /^(uniform|normal)\(([^,]+),([^,]+)\)$/.exec(text.replaceAll(' ', ''));
  if (!call) return { kind: 'fixed', ms: durationMs(text) };
  const [a, b] = [durationMs(call[2]!), durationMs(call[3]!)];
  if (call[1] === 'uniform') {
    if (b < a) throw new FaultSpecError(`uniform(${call[2]},${call[3]}): the maximum is below the minimum`);
    return { kind: 'uniform', minMs: a, maxMs: b };
  }
  return { kind: 'normal', meanMs: a, sdMs: b };
}

/** "200ms", "1.5s" or a bare number of milliseconds. */
function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!match) throw new FaultSpecError(`'${text}' is not a duration like 200ms or 1.5s`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}
