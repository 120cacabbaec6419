/**
 * Credentials as deploy.yml gets them: `devkit bootstrap` makes GitHub's OIDC provider and the
 * stage's deploy role; a GitHub-shaped token for deploy.yml's deploy job (the branch it maps to the
 * stage, in the stage's environment) is exchanged for the role's temporary credentials exactly as
 * aws-actions/configure-aws-credentials exchanges it; the rehearsal's deploys use those, not the
 * account root. A push from that branch is refused the prod role, as AWS refuses it.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { bootstrap, stageBranch } from '../../deploy/bootstrap.ts';
import { createClients } from '../../deploy/clients.ts';
import {
  assumeRoleAsTheAction,
  requestGithubToken,
  STS_AUDIENCE,
  tokenSubject,
} from '../../deploy/github-oidc.ts';
import { loadStack } from '../../stack/load.ts';
import type { RehearsalStep } from '../step.ts';

/** The repository the rehearsal's tokens name: GitHub's own when run in GitHub Actions. */
const REPOSITORY = process.env.GITHUB_REPOSITORY ?? 'local/iscoolgpt';
/** The stage the refusal is checked against: its role trusts main (and its environment) only. */
const GUARDED_STAGE = 'prod';

export const credentials: RehearsalStep = {
  name: 'credentials',
  title: "Assume the deploy role with a GitHub OIDC token, as deploy.yml's credential step does",
  async run(ctx, run) {
    const { stack, started, runId } = ctx;
    const cloud = started.cloud!;
    const root = started.clients!;
    const guarded = loadStack(ctx.options.stackFile, { stage: GUARDED_STAGE, env: {} });
    // One after the other: both make the one OIDC provider if it is missing.
    const own = await bootstrap(root, stack, REPOSITORY);
    const other = await bootstrap(root, guarded, REPOSITORY);
    run.note(
      `devkit bootstrap (${stack.stage}): ${own.steps.map((s) => `${s.what} ${s.action}`).join(', ')}; also the ${GUARDED_STAGE} role ${other.plan.roleName}`,
    );
    // deploy.yml: main → prod, staging → staging, any other branch → dev.
    const rule = stageBranch(stack.stage);
    const branch = rule === '*' ? `rehearsal-${runId}` : rule;
    const token = await requestGithubToken(cloud.url, {
      repository: REPOSITORY,
      branch,
      environment: stack.stage,
      audience: STS_AUDIENCE,
    });
    // The action's STS client has no credentials: AssumeRoleWithWebIdentity is sent unsigned.
    const sts = new STSClient({ region: stack.config.region, endpoint: cloud.url });
    try {
      const sessionName = `iscoolgpt-deploy-${runId}`; // deploy.yml's role-session-name
      const assumed = await assumeRoleAsTheAction(sts, own.plan.roleArn, sessionName, token);
      started.deployClients = createClients({
        name: 'local',
        region: stack.config.region,
        endpoint: cloud.url,
        credentials: assumed.credentials,
      });
      // As the action checks them before exporting them.
      const { Arn = '' } = await started.deployClients.sts.send(new GetCallerIdentityCommand({}));
      run.expect(
        Arn.endsWith(`:assumed-role/${own.plan.roleName}/${sessionName}`),
        `the assumed credentials call as ${Arn}, not as the deploy role's session ${sessionName}`,
      );
      const subject = tokenSubject(token);
      run.note(
        `deploy.yml's deploy job for a push to ${branch} (stage ${stack.stage}, token sub ${subject}) assumed ${own.plan.roleArn} until ${assumed.expiration.toISOString()}: the deploys below run as ${Arn}`,
      );
      const pushToken = await requestGithubToken(cloud.url, {
        repository: REPOSITORY,
        branch,
        audience: STS_AUDIENCE,
      });
      const refusal = await assumeRoleAsTheAction(sts, other.plan.roleArn, sessionName, pushToken).then(
        () => undefined,
        (error: Error) => error,
      );
      const wording = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
      const refusedWith = refusal ? `${refusal.name}: ${refusal.message}` : 'no error';
      const pushSubject = tokenSubject(pushToken);
      run.expect(
        refusedWith === `AccessDenied: ${wording}`,
        `a push to ${branch} got ${refusal ? refusedWith : 'credentials'} for the ${GUARDED_STAGE} role ${other.plan.roleArn}, not AccessDenied: ${wording}`,
      );
      run.note(`a push to ${branch} (sub ${pushSubject}) asking for ${other.plan.roleArn}: ${refusedWith}`);
      ctx.deployRole = {
        repository: REPOSITORY,
        stage: stack.stage,
        branch,
        subject,
        roleArn: own.plan.roleArn,
        sessionArn: Arn,
        expiresAt: assumed.expiration.toISOString(),
        refused: { subject: pushSubject, roleArn: other.plan.roleArn, error: refusedWith },
      };
    } finally {
      sts.destroy();
    }
  },
};
