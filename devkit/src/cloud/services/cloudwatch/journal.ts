/**
 * How CloudWatch journals its changes, never the region's whole state (it holds every metric):
 * a PutMetricData call as the points it stored (replayed through the same store function, at the
 * same receive time, so retention drops the same points), an alarm as its record plus the history
 * items written since the last record.
 */
import type { SliceJournal } from '../../state/store.ts';
import { type MetricEntry, storeEntries } from './metric-store.ts';
import { entriesStoredBy } from './put-metric-data.ts';
import type { AlarmRecord, CloudWatchState, HistoryRecord } from './state.ts';
import { MAX_HISTORY, own } from './state.ts';

export type CloudWatchChange = { points: MetricEntry[]; at: number } | { alarms: string[] } | 'nothing';

type CloudWatchRecord =
  | { p: MetricEntry[]; at: number }
  | { a: Array<[name: string, alarm: AlarmRecord | null]>; h: HistoryRecord[]; seq: number };

/** The history sequence already journaled, per region state. */
const journaledSeq = new WeakMap<CloudWatchState, number>();

export const cloudWatchJournal: SliceJournal<CloudWatchState, CloudWatchChange> = {
  changeOf(_state, operation, input) {
    switch (operation) {
      case 'PutMetricData':
        return entriesStoredBy(input) ?? 'nothing';
      case 'PutMetricAlarm':
      case 'SetAlarmState': {
        const name = (input as { AlarmName?: unknown }).AlarmName;
        return typeof name === 'string' ? { alarms: [name] } : 'nothing';
      }
      case 'DeleteAlarms': {
        const names = (input as { AlarmNames?: unknown }).AlarmNames;
        return Array.isArray(names)
          ? { alarms: names.filter((n): n is string => typeof n === 'string') }
          : 'nothing';
      }
      default:
        return 'nothing';
    }
  },

  record(state, change): CloudWatchRecord | undefined {
    if (change === 'nothing') return undefined;
    if ('points' in change) return change.points.length > 0 ? { p: change.points, at: change.at } : undefined;
    const since = journaledSeq.get(state) ?? 0;
    const h = state.history.filter((item) => item.seq > since);
    journaledSeq.set(state, state.nextHistorySeq - 1);
    return {
      a: change.alarms.map((name) => [name, own(state.alarms, name) ?? null]),
      h,
      seq: state.nextHistorySeq,
    };
  },

  apply(state, raw) {
    const record = raw as CloudWatchRecord;
    if ('p' in record) {
      storeEntries(state, record.p, record.at);
      return;
    }
    for (const [name, alarm] of record.a) {
      if (alarm) state.alarms[name] = alarm;
      else delete state.alarms[name];
    }
    const last = state.history.at(-1)?.seq ?? 0;
    for (const item of record.h) if (item.seq > last) state.history.push(item);
    if (state.history.length > MAX_HISTORY) state.history.splice(0, state.history.length - MAX_HISTORY);
    state.nextHistorySeq = Math.max(state.nextHistorySeq, record.seq);
  },

  settled(state) {
    journaledSeq.set(state, state.nextHistorySeq - 1);
  },
};
