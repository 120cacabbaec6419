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
      const { loadStackFrom } = await import('../stack-target.ts');
      const stack = loadStackFrom(options);
      const findings = await doctorFindings(new Docker(), options, stack);
      for (const line of findingLines(findings)) console.log(line);
      const failed = findings.filter((f) => f.status === 'fail').length;
      console.log(failed ? `${failed} finding(s) need fixing` : 'all good');
      if (failed) process.exit(1);
    }),
  );
}
