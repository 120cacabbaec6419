/**
 * Start: the local cloud (with its task runtime) and the Gemini replay server on ports of their own,
 * and the fake Gemini key as the value of the stack's secret.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingsLine } from '../../cloud/scheduler/facts.ts';
import { startCloud } from '../../cloud/server.ts';
import { createClients } from '../../deploy/clients.ts';
import { stackTags } from '../../deploy/names.ts';
import { resolveTarget } from '../../deploy/target.ts';
import { ensureGeminiImage, geminiContainerName, startGeminiContainer } from '../../gemini/container.ts';
import { dockerProblem, portFree, portTakenLine } from '../../host/preflight.ts';
import { repositoryOf } from '../context.ts';
import { imagesUnder } from '../leftovers.ts';
import type { RehearsalStep } from '../step.ts';

export const start: RehearsalStep = {
  name: 'start',
  title: 'Start the local cloud and the Gemini replay server',
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
      // Locally, health checks every 5 s (ECS's minimum) rather than the local profile's 1 s: three
      // failed probes in a row still take 30 s of a starved machine, not a few busy seconds.
      runtime: {
        docker,
        timings:
          options.timings === 'aws'
            ? { profile: 'aws' }
            : { profile: 'local', healthCheckIntervalSeconds: 5 },
      },
    });
    const target = await resolveTarget('local', { region: stack.config.region, endpoint: started.cloud.url });
    started.clients = createClients(target);
    run.note(
      `local cloud with its task runtime at ${started.cloud.url}; the service's load balancer will listen on 127.0.0.1:${options.lbPort}`,
    );
    const timings = started.cloud.runtime?.health().timings;
    if (timings) run.note(timingsLine(timings));
    const earlier = await imagesUnder(docker, [repositoryOf(started.cloud, stack)]);
    started.earlierImages = earlier.map((image) => image.id);
    if (earlier.length > 0)
      run.note(
        `left as they are, not this run's: ${earlier.map((image) => image.name).join(', ')} (an earlier, interrupted run; \`docker rmi\` them)`,
      );
    started.geminiImage = await ensureGeminiImage(docker);
    started.geminiContainer = geminiContainerName(options.cloudPort);
    await startGeminiContainer(
      docker,
      started.geminiContainer,
      started.geminiImage.image,
      started.cloud.runtime?.cloudId,
    );
    run.note(
      `Gemini replay server ${started.geminiContainer} (${started.geminiImage.image}${started.geminiImage.built ? ', built' : ''}) reachable by tasks as http://gemini-mock:8080`,
    );
    // The key the task gets as GEMINI_API_KEY; provisioning keeps an existing secret's value.
    const secretName = stack.config.task.secrets.GEMINI_API_KEY;
    if (!secretName) throw new Error('the stack gives the task no GEMINI_API_KEY secret');
    await started.clients.secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: ctx.fakeKey,
        Tags: Object.entries(stackTags(stack)).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    run.note(
      `a fake Gemini key (${ctx.fakeKey.length} characters, new this run) is the value of secret ${secretName}`,
    );
  },
};
