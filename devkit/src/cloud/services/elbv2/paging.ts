/** ELBv2's Marker/PageSize pages, with its own error for a marker it never handed out. */
import { ServiceError } from '../../protocol/errors.ts';
import { paginate } from '../common.ts';
import { elbError } from './errors.ts';

export function page<T>(
  items: readonly T[],
  input: { Marker?: string | undefined; PageSize?: number | undefined },
): { page: T[]; NextMarker?: string } {
  try {
    const { page: items_, nextToken } = paginate(items, input.PageSize, input.Marker, 400);
    return { page: items_, ...(nextToken ? { NextMarker: nextToken } : {}) };
  } catch (error) {
    if (error instanceof ServiceError) throw elbError('ValidationError', 'The marker is not valid.');
    throw error;
  }
}
