/**
 * What the deploy role used: the least-privilege policy the cloud recorded from the deploys' calls
 * (each allowed action with the resources it was used on), against what `devkit bootstrap` grants.
 * A used action the bootstrap does not grant fails the run (the first AWS deploy would be refused);
 * grants broader than the use are listed, not failed: the bootstrap grants `*` where resource names
 * are not known before the first deploy (a VPC's id), and actions a later deploy may need. Runs whatever failed before: after a refusal, the latest denial and the
 * statement that decided it are the first thing to read.
 */
import { bootstrapPlan } from '../../deploy/bootstrap.ts';
import { explainDecision, iamDecision, leastPrivilegePolicy } from '../../deploy/iam-decisions.ts';
import { policyDifferences, type PolicyDocumentJson } from '../../deploy/least-privilege.ts';
import type { RehearsalStep } from '../step.ts';

export const deployRoleUse: RehearsalStep = {
  name: 'deploy-role-use',
  title: "What the deploy role used: its least-privilege policy against the bootstrap's grant",
  async run(ctx, run) {
    const role = ctx.deployRole;
    const cloud = ctx.started.cloud;
    if (!role || !cloud) {
      run.note('skipped: the deploys did not run as the deploy role');
      return;
    }
    const denial = await iamDecision(cloud.url);
    if (denial) for (const line of explainDecision(denial)) run.note(`latest refusal: ${line.trim()}`);
    const roleName = role.roleArn.slice(role.roleArn.lastIndexOf('/') + 1);
    const used = await leastPrivilegePolicy(cloud.url, roleName);
    if (!run.expect(used !== undefined, `the cloud recorded no call by ${roleName}'s sessions`)) return;
    const account = role.roleArn.split(':')[4] ?? '';
    // The deploy policy does not depend on the repository (only the trust policy does).
    const granted = JSON.parse(bootstrapPlan(ctx.stack, account, '').deployPolicy) as PolicyDocumentJson;
    const differences = policyDifferences(used!, granted);
    const missing = differences.filter((d) => d.kind === 'missing').map((d) => d.line);
    const broader = differences.filter((d) => d.kind === 'broader').map((d) => d.line);
    for (const line of missing)
      run.expect(false, `${roleName} used what devkit bootstrap does not grant: ${line}`);
    const actions = new Set(used!.Statement.flatMap((s) => [s.Action as string | string[]].flat()));
    run.note(
      `${roleName}'s sessions used ${actions.size} actions; ${broader.length} of the bootstrap's grants are broader than that use (a wildcard where the deploys named resources, or an action they did not call)`,
    );
    role.used = { policy: used!, missing, broader };
  },
};
