import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('doctor')
      .description(
        'preflight: Docker, free ports, the target and its credentials, ingress, zones, least privilege, secrets — each finding with its fix',
      ),
  ).action(
    withErrors(async (options: StackTargetOptions) => {
      const { default: Docker } = await import('dockerode');
      const { doctorFindings, findingLines } = await import('../doctor.ts');
      const { loadStage } = await import('../stack-target.ts');
      const { cloudLine } = await import('../cloud-choice.ts');
      const { stack, choice } = await loadStage(options);
      console.error(cloudLine(choice, stack.config.region));
      const findings = await doctorFindings(new Docker(), choice, stack);
      for (const line of findingLines(findings)) console.log(line);
      const failed = findings.filter((f) => f.status === 'fail').length;
      console.log(failed ? `${failed} finding(s) need fixing` : 'all good');
      if (failed) process.exit(1);
    }),
  );
}
