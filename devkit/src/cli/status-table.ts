/**
 * `devkit status` as tables: the URL and image, the load balancer's targets with their health, the
 * service, its deployments, its tasks, then recent events.
 */
import type { Timings } from '../cloud/scheduler/facts.ts';
import { iamEnforcementLine } from '../cloud/access/enforcement.ts';
import { timingsLine } from '../cloud/scheduler/facts.ts';
import type { StackStatus } from '../deploy/status.ts';
import { table } from './table.ts';

const time = (date: Date | undefined) => (date ? date.toISOString().slice(11, 19) : '-');
const percent = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)}%`);
/** Used of reserved: `37/256` CPU units, `61/512 MiB`. */
const share = (used: number | undefined, reserved: number | undefined, unit = '') =>
  used === undefined ? '-' : `${Math.round(used)}/${reserved ?? '-'}${unit}`;

/**
 * `timings`: the local cloud's timing profile, said first (a rollout's pace depends on it), then
 * that it enforces IAM when it does (off is the local default, said by `--json` only).
 */
export function statusLines(status: StackStatus, timings?: Timings, iamEnforced?: boolean): string[] {
  const { service } = status;
  const profile = [
    ...(timings ? [timingsLine(timings)] : []),
    ...(iamEnforced ? [iamEnforcementLine(true)] : []),
  ];
  if (!service)
    return [
      ...profile,
      `no service in cluster ${status.cluster}: deploy the stage first (\`devkit deploy\`)`,
    ];
  const counts = (...values: number[]) => values.map(String);
  const lb = status.loadBalancer;
  return [
    ...profile,
    `url:   ${status.url ?? '- (the stage has no load balancer: `devkit deploy` provisions it)'}`,
    `image: ${service.image ?? '-'}${service.imageTags.length ? ` (tags: ${service.imageTags.join(', ')})` : ''}`,
    ...(lb && lb.state !== 'active'
      ? [`load balancer ${lb.name}: ${lb.state}${lb.stateReason ? ` (${lb.stateReason})` : ''}`]
      : []),
    '',
    ...(!lb
      ? []
      : lb.targets.length === 0
        ? ['no targets registered', '']
        : [
            ...table(
              ['TARGET', 'HEALTH', 'REASON'],
              lb.targets.map((t) => [
                `${t.id}:${t.port ?? '?'}`,
                t.state,
                [t.reason, t.description].filter(Boolean).join(': '),
              ]),
            ),
            '',
          ]),
    ...table(
      ['SERVICE', 'STATUS', 'TASK DEFINITION', 'DESIRED', 'RUNNING', 'PENDING', 'CPU', 'MEMORY'],
      [
        [
          service.name,
          service.status,
          service.taskDefinition,
          ...counts(service.desired, service.running, service.pending),
          percent(service.cpuPercent),
          percent(service.memoryPercent),
        ],
      ],
    ),
    '',
    ...table(
      ['DEPLOYMENT', 'STATUS', 'ROLLOUT', 'TASK DEFINITION', 'DESIRED', 'RUNNING', 'PENDING', 'FAILED'],
      service.deployments.map((d) => [
        d.id,
        d.status,
        d.rolloutState || '-',
        d.taskDefinition,
        ...counts(d.desired, d.running, d.pending, d.failed),
      ]),
    ),
    '',
    ...(service.tasks.length === 0
      ? ['no tasks']
      : table(
          ['TASK', 'TASK DEFINITION', 'STATUS', 'HEALTH', 'STARTED', 'CPU', 'MEMORY', 'STOPPED REASON'],
          service.tasks.map((t) => [
            t.id,
            t.taskDefinition,
            t.lastStatus,
            t.health,
            time(t.startedAt),
            share(t.usage?.cpuUnits, t.usage?.cpuReserved),
            share(t.usage?.memoryMiB, t.usage?.memoryReservedMiB, ' MiB'),
            t.stoppedReason ?? '',
          ]),
        )),
    '',
    'recent events:',
    ...service.events.map((e) => `  ${time(e.createdAt)} ${e.message}`),
  ];
}
