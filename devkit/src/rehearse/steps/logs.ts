/** Logs: every chat request that succeeded in a step has its log line in CloudWatch Logs. */
import { missingRequestLogs } from '../request-logs.ts';
import type { RehearsalStep } from '../step.ts';

export const logs: RehearsalStep = {
  name: 'logs',
  title: "Every step's chat requests are in CloudWatch Logs (FilterLogEvents by request id)",
  async run(ctx, run) {
    const group = ctx.stack.config.logs.group;
    const missing = new Set(
      await missingRequestLogs(ctx.started.clients!, group, Object.values(ctx.chatIds).flat()),
    );
    for (const [name, ids] of Object.entries(ctx.chatIds)) {
      const lost = ids.filter((id) => missing.has(id));
      run.expect(ids.length > 0, `${name}: no chat request succeeded, so none could be looked for`);
      run.expect(
        lost.length === 0,
        `${name}: ${lost.length} of ${ids.length} chat requests have no log line in ${group} (e.g. ${lost.slice(0, 3).join(', ')})`,
      );
      run.note(
        `${name}: ${ids.length - lost.length} of ${ids.length} chat requests found by request id in ${group}`,
      );
    }
  },
};
