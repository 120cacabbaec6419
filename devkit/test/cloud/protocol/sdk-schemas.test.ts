/**
 * "The SDK is the contract" rests on the schemas' internal layout (required members counted at
 * [6] of a compact structure schema) and on pinned client versions. This snapshot of every served
 * operation's required input members makes an SDK upgrade that moves them fail here, loudly,
 * instead of silently accepting requests AWS would refuse.
 */
import { describe, expect, it } from 'vitest';
import type { OperationSchema } from '../../../src/cloud/protocol/codec.ts';
import { requiredCount, shapeOf } from '../../../src/cloud/protocol/shapes.ts';
import { allServices } from '../../../src/cloud/services/index.ts';

function requiredInputMembers(schema: OperationSchema): string[] {
  const input = shapeOf(schema[4]);
  const required = requiredCount(input);
  return [...input.structIterator()].slice(0, required).map(([name]) => name);
}

describe('SDK schemas the local cloud is built on', () => {
  it('keep the required members of every served operation', async () => {
    const snapshot: Record<string, Record<string, string[]>> = {};
    for (const service of allServices) {
      const operations: Record<string, string[]> = {};
      for (const operation of Object.keys(service.operations).sort()) {
        operations[operation] = requiredInputMembers(service.schemas[`${operation}$`] as OperationSchema);
      }
      snapshot[service.signingName] = operations;
    }
    // A few members known from AWS's API reference, so the snapshot cannot be empty or all-optional.
    expect(snapshot.ecs!.CreateService).toEqual(['serviceName']);
    expect(snapshot.ecs!.RegisterTaskDefinition).toEqual(['family', 'containerDefinitions']);
    expect(snapshot.logs!.PutLogEvents).toEqual(['logGroupName', 'logStreamName', 'logEvents']);
    await expect(JSON.stringify(snapshot, null, 2) + '\n').toMatchFileSnapshot(
      '__snapshots__/required-members.json',
    );
  });
});
