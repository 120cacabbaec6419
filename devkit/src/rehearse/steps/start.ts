/**
 * Start: the local cloud (with its task runtime) on ports of its own, and the operator's clients
 * (the account root, as the person running the pipeline) that watch it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingsLine } from '../../cloud/scheduler/facts.ts';
import { iamEnforcementLine } from '../../cloud/access/enforcement.ts';
import { startCloud } from '../../cloud/server.ts';
import { baseImages } from '../../deploy/base-images.ts';
import { createClients } from '../../deploy/clients.ts';
import { emulatorCredentials, resolveTarget } from '../../deploy/target.ts';
import { dockerProblem, portFree, portTakenLine } from '../../host/preflight.ts';
import { repositoryOf } from '../context.ts';
import { imagesUnder } from '../leftovers.ts';
import type { RehearsalStep } from '../step.ts';

export const start: RehearsalStep = {
  name: 'start',
  title: 'Start the local cloud',
  async run(ctx, run) {
    const { docker, options, stack, started } = ctx;
    const problem = await dockerProblem(docker);
    if (problem) throw new Error(problem);
    if (!(await portFree(options.cloudPort)))
      throw new Error(await portTakenLine(options.cloudPort, '--port', docker));
    if (!(await portFree(options.lbPort)))
      throw new Error(await portTakenLine(options.lbPort, '--lb-port', docker));
    started.dataDir = await mkdtemp(join(tmpdir(), 'devkit-rehearsal-'));
    started.cloud = await startCloud({
      port: options.cloudPort,
      dataDir: started.dataDir,
      enforceIam: options.enforceIam !== false,
      // The documented profile itself, `local` or `aws`: what `devkit up` users run, never a custom mix.
      runtime: {
        docker,
        taskEndpointsImage: async () => (await baseImages(docker)).runtime,
        timings: { profile: options.timings },
      },
    });
    // The operator's view (events, logs, leak scan) as the account root; the deploys use the role
    // the credentials step assumes.
    const target = await resolveTarget('local', {
      region: stack.config.region,
      endpoint: started.cloud.url,
      credentials: emulatorCredentials(),
    });
    started.clients = createClients(target);
    run.note(
      `local cloud with its task runtime at ${started.cloud.url}; the service's load balancer will listen on 127.0.0.1:${options.lbPort}`,
    );
    const timings = started.cloud.runtime?.health().timings;
    if (timings) run.note(timingsLine(timings));
    run.note(iamEnforcementLine(started.cloud.access.enforced));
    const earlier = await imagesUnder(docker, [repositoryOf(started.cloud, stack)]);
    started.earlierImages = earlier.map((image) => image.id);
    if (earlier.length > 0)
      run.note(
        `left as they are, not this run's: ${earlier.map((image) => image.name).join(', ')} (an earlier, interrupted run; \`docker rmi\` them)`,
      );
  },
};
