/** Deploy v1: the pipeline from nothing; the release answers, by its version, and got the secret. */
import { throughLoadBalancer } from '../context.ts';
import { deployRelease } from '../deploy-release.ts';
import type { RehearsalStep } from '../step.ts';
import { taskEnvironmentHolds } from '../task-environment.ts';

const QUESTIONS = [
  'What is Amazon ECS?',
  'Explain a rolling update in two sentences.',
  'What is a health check?',
];

export const deployV1: RehearsalStep = {
  name: 'deploy-v1',
  title: 'Deploy v1 and check its answers',
  async run(ctx, run) {
    const { releases, chatIds } = ctx;
    const v1 = releases.v1;
    const result = await deployRelease(ctx, v1, run, { verify: true });
    ctx.deployed.v1 = result;
    ctx.url = result.provisioned?.url;
    run.note(`the service answers through its load balancer at ${ctx.url ?? '?'}`);
    run.note(
      `${result.taskDefinitionArn?.split('/').pop() ?? '?'} COMPLETED with image ${result.image ?? '?'}`,
    );
    if (result.verify?.requestId) (chatIds['deploy-v1'] ??= []).push(result.verify.requestId);
    const info = (await (await fetch(throughLoadBalancer(ctx, '/v1/info'))).json()) as { version?: string };
    run.expect(
      info.version === v1.version,
      `GET /v1/info reports version ${info.version} instead of ${v1.version}`,
    );
    for (const [i, question] of QUESTIONS.entries()) {
      const requestId = `rehearsal-${ctx.runId}-v1-check-${i}`;
      const response = await fetch(throughLoadBalancer(ctx, '/v1/chat'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ question }),
      });
      const body = (await response.json().catch(() => ({}))) as { answer?: unknown; requestId?: unknown };
      const answered = response.ok && typeof body.answer === 'string' && body.answer.length > 0;
      if (run.expect(answered, `POST /v1/chat "${question}" got HTTP ${response.status}, not an answer`)) {
        run.expect(
          body.requestId === requestId,
          `the answer carries request id ${String(body.requestId)}, not ${requestId}`,
        );
        (chatIds['deploy-v1'] ??= []).push(requestId);
      }
    }
    run.note(
      `GET /v1/info: ${info.version}; ${QUESTIONS.length} questions answered through the load balancer`,
    );
    const holds = await taskEnvironmentHolds(
      ctx.docker,
      ctx.started.clients!,
      ctx.stack,
      'GEMINI_API_KEY',
      ctx.fakeKey,
    );
    run.expect(
      holds,
      'the running task did not get the secret as GEMINI_API_KEY: the leak scan would prove nothing',
    );
    if (holds) run.note('the task got the secret as GEMINI_API_KEY (checked in its container environment)');
  },
};
