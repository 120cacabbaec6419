/** EC2's `Filters` (Name, Values with `*` and `?` wildcards), common to every Describe call. */
import type { Filter } from '@aws-sdk/client-ec2';
import { wildcardMatcher } from '../wildcard.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

type FilterValue = string | number | boolean | undefined;

/** A resource kind's filter names → the values a resource has for it. */
export type FilterFields<T> = Record<string, (item: T) => FilterValue | FilterValue[]>;

/** The items matching every filter (any of a filter's values); tag filters come for free. */
export function applyFilters<T extends { id: string }>(
  state: Ec2State,
  items: T[],
  filters: Filter[] | undefined,
  fields: FilterFields<T>,
): T[] {
  if (!filters?.length) return items;
  const tests = filters.map((filter) => {
    const name = filter.Name ?? '';
    const valuesOf = fieldFor(state, name, fields);
    const patterns = (filter.Values ?? []).map((value) => wildcardMatcher(value, { questionMark: true }));
    return (item: T) => {
      const raw = valuesOf(item);
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => v !== undefined).map(String);
      return values.some((v) => patterns.some((matches) => matches(v)));
    };
  });
  return items.filter((item) => tests.every((test) => test(item)));
}

function fieldFor<T extends { id: string }>(
  state: Ec2State,
  name: string,
  fields: FilterFields<T>,
): (item: T) => FilterValue | FilterValue[] {
  if (name.startsWith('tag:')) return (item) => state.tags[item.id]?.[name.slice(4)];
  if (name === 'tag-key') return (item) => Object.keys(state.tags[item.id] ?? {});
  if (name === 'tag-value') return (item) => Object.values(state.tags[item.id] ?? {});
  const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (!field) throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
  return field;
}
