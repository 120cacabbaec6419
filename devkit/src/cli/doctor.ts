/**
 * `devkit doctor`: the host's findings (Docker, ports, the target and its credentials) followed by
 * the stage's own (deploy/doctor.ts) when the target answers.
 */
import type Docker from 'dockerode';
import { createClients, destroyClients } from '../deploy/clients.ts';
import type { Finding } from '../deploy/doctor.ts';
import { bootstrapFindings } from '../deploy/bootstrap.ts';
import { stageFindings } from '../deploy/doctor.ts';
import type { Stack } from '../stack/load.ts';
import { dockerProblem, listeningPid, portFree, portTakenLine } from '../host/preflight.ts';
import type { CloudChoice } from './cloud-choice.ts';
import { targetFor } from './stack-target.ts';

export async function doctorFindings(docker: Docker, choice: CloudChoice, stack: Stack): Promise<Finding[]> {
  const findings: Finding[] = [];
  const dockerLine = await dockerProblem(docker);
  if (dockerLine) {
    const [detail, fix] = splitFix(dockerLine);
    findings.push({ check: 'docker', status: 'fail', detail, ...(fix ? { fix } : {}) });
  } else {
    findings.push({
      check: 'docker',
      status: 'pass',
      detail: `engine ${(await docker.version()).Version} answers`,
    });
  }
  let cloudAnswers = false;
  let target;
  try {
    target = await targetFor(choice, stack);
    cloudAnswers = true;
    findings.push({
      check: `target ${choice.target}`,
      status: 'pass',
      detail: target.endpoint ? `answers at ${target.endpoint}` : `credentials found for ${target.region}`,
    });
  } catch (error) {
    const message = (error as Error).message;
    const [detail, fix] = splitFix(message);
    // Before `npm run up`, a local cloud that is not running yet is expected.
    findings.push({
      check: `target ${choice.target}`,
      status: choice.target === 'local' ? 'warn' : 'fail',
      detail,
      ...(fix ? { fix } : {}),
    });
  }
  if (choice.target === 'local' && choice.endpoint) {
    const cloudPort = Number(new URL(choice.endpoint).port);
    findings.push(
      await portFinding(
        'local cloud port',
        cloudPort,
        '--port',
        docker,
        cloudAnswers ? cloudPort : undefined,
      ),
    );
    // The local cloud's load balancer listens on 127.0.0.1 at the listener port.
    findings.push(
      await portFinding(
        'load balancer port',
        stack.config.loadBalancer.port,
        '--lb-port',
        docker,
        cloudAnswers ? cloudPort : undefined,
      ),
    );
  }
  if (target) {
    const clients = createClients(target);
    try {
      findings.push(...(await stageFindings(clients, stack)));
      // On AWS, CI assumes the stage's deploy role through GitHub's OIDC provider (deploy.yml); the
      // local cloud rehearses it (`devkit bootstrap --target local`). LocalStack has no such role.
      if (choice.target !== 'localstack') {
        findings.push(...(await bootstrapFindings(clients, stack, { local: choice.target === 'local' })));
      }
    } finally {
      destroyClients(clients);
    }
  }
  return findings;
}

/** A port is fine when free, or when the running local cloud (the process on `cloudPort`) holds it. */
async function portFinding(
  check: string,
  port: number,
  flag: string,
  docker: Docker,
  cloudPort: number | undefined,
): Promise<Finding> {
  if (await portFree(port)) return { check: `${check} ${port}`, status: 'pass', detail: 'free' };
  if (cloudPort !== undefined) {
    const holder = await listeningPid(port);
    if (holder !== undefined && holder === (await listeningPid(cloudPort)))
      return { check: `${check} ${port}`, status: 'pass', detail: `held by the local cloud (pid ${holder})` };
  }
  const [detail, fix] = splitFix(await portTakenLine(port, flag, docker));
  return { check: `${check} ${port}`, status: 'fail', detail, ...(fix ? { fix } : {}) };
}

/** "what is wrong: what to do" → [what is wrong, what to do]. */
function splitFix(line: string): [string, string | undefined] {
  const at = line.lastIndexOf(': ');
  return at < 0 ? [line, undefined] : [line.slice(0, at), line.slice(at + 2)];
}

const MARK = { pass: '✔', warn: '!', fail: '✘' } as const;

export function findingLines(findings: Finding[]): string[] {
  const width = Math.max(...findings.map((f) => f.check.length));
  return findings.flatMap((f) => [
    `${MARK[f.status]} ${f.check.padEnd(width)}  ${f.detail}`,
    ...(f.fix && f.status !== 'pass' ? [`  ${' '.repeat(width)}  fix: ${f.fix}`] : []),
  ]);
}
