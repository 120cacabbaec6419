import type { ListMetricsInput, ListMetricsOutput } from '@aws-sdk/client-cloudwatch';
import type { Handler } from '../../service-definition.ts';
import { InvalidNextToken } from './errors.ts';
import type { CloudWatchState } from './state.ts';

const PAGE_SIZE = 500;
/** RecentlyActive `PT3H`: data in the past three hours. */
const RECENT_MS = 3 * 3600 * 1000;

export const listMetrics: Handler<ListMetricsInput, ListMetricsOutput, CloudWatchState> = (input, ctx) => {
  const recentSince = input.RecentlyActive === 'PT3H' ? Date.now() - RECENT_MS : undefined;
  const filters = input.Dimensions ?? [];
  const matching = Object.values(ctx.state.metrics)
    .filter(
      (m) =>
        (input.Namespace === undefined || m.namespace === input.Namespace) &&
        (input.MetricName === undefined || m.name === input.MetricName) &&
        (recentSince === undefined || m.lastPut >= recentSince) &&
        filters.every((f) =>
          m.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
        ),
    )
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  let start = 0;
  if (input.NextToken !== undefined) {
    const match = /^lm:(\d{1,9})$/.exec(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
    if (!match) throw new InvalidNextToken('The service cannot process the NextToken.');
    start = Number(match[1]);
  }
  const page = matching.slice(start, start + PAGE_SIZE);
  const end = start + page.length;
  return {
    Metrics: page.map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions })),
    ...(end < matching.length && { NextToken: Buffer.from(`lm:${end}`).toString('base64url') }),
  };
};

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
