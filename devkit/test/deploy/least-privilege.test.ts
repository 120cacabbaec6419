/**
 * `devkit doctor`'s comparison of a deploy role's policy with the least one devkit deploy needs
 * (the bootstrap's deploy policy): exactly it passes; each lacking action and each wider grant is
 * one line.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapPlan } from '../../src/deploy/bootstrap.ts';
import { policyDifferences, type PolicyDocumentJson } from '../../src/deploy/least-privilege.ts';
import { loadStack } from '../../src/stack/load.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;
const minimal = JSON.parse(
  bootstrapPlan(loadStack(stackFile, { stage: 'prod', env: {} }), '000000000000', 'acme/app').deployPolicy,
) as { Statement: Array<Record<string, unknown>> };

/** The minimal policy with its statements changed by `edit`. */
function edited(edit: (statements: Array<Record<string, unknown>>) => void): PolicyDocumentJson {
  const copy = structuredClone(minimal);
  edit(copy.Statement);
  return copy;
}

describe('policyDifferences', () => {
  it('finds nothing between the minimal policy and itself', () => {
    expect(policyDifferences(minimal, minimal)).toEqual([]);
  });

  it('names each action the role lacks, and each grant wider than needed, one line each', () => {
    const granted = edited((statements) => {
      const deploy = statements.find((s) => s.Sid === 'Deploy')!;
      deploy.Action = (deploy.Action as string[]).filter((a) => a !== 'ecs:RegisterTaskDefinition');
      statements.push({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' });
    });
    const lines = policyDifferences(minimal, granted);
    // ecs:* covers what was taken out of the Deploy statement: nothing is missing, one grant is wider.
    expect(lines).toEqual([{ kind: 'broader', line: 'broader than needed: ecs:* on *' }]);

    const narrower = edited((statements) => {
      const deploy = statements.find((s) => s.Sid === 'Deploy')!;
      deploy.Action = (deploy.Action as string[]).filter((a) => a !== 'ecs:RegisterTaskDefinition');
    });
    expect(policyDifferences(minimal, narrower)).toEqual([
      { kind: 'missing', line: 'missing ecs:RegisterTaskDefinition on *' },
    ]);
  });

  it('a PassRole without its iam:PassedToService condition is wider; on every role, wider still', () => {
    const granted = edited((statements) => {
      const pass = statements.find((s) => s.Sid === 'PassStageRolesToEcsTasks')!;
      delete pass.Condition;
      pass.Resource = '*';
    });
    const lines = policyDifferences(minimal, granted).map((d) => d.line);
    expect(lines).toEqual(['broader than needed: iam:PassRole on *']);
  });
});
