/**
 * Issue 13: what the local Application Load Balancer adds to a request. The runtime tests' fixture
 * app runs as one ECS task behind an ALB listener; the same requests go through the listener and
 * straight to the task's IP (the host reaches the project's own Docker network). Printed: p50 and
 * p99 per path, the p50 the ALB adds, and this process's CPU per request (the cloud, and so the
 * ALB, runs in it) as a ratio to the direct path's, whose CPU is the client's alone.
 */
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { serviceWorld } from '../test/cloud/runtime/service-world.ts';
import { fmt, median, percentile, row, runCalls } from './stats.ts';

const CALLS = 2_000;
const WARMUP_CALLS = 200;
const CONCURRENCY = [1, 10];

export default async function alb(): Promise<void> {
  const w = await serviceWorld('bench-alb');
  try {
    const revision = await w.revision('v1');
    const { url, targetGroupArn } = await w.service({
      name: 'web',
      taskDefinition: revision,
      desiredCount: 1,
    });
    await w.steady('web');
    const elb = new ElasticLoadBalancingV2Client(w.t.clientConfig);
    const { TargetHealthDescriptions = [] } = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
    );
    elb.destroy();
    const target = TargetHealthDescriptions.find((d) => d.TargetHealth?.State === 'healthy')?.Target;
    if (!target) throw new Error('no healthy target after the service was steady');
    const paths = { 'through the ALB': url, 'straight to the task': `http://${target.Id}:${target.Port}/` };
    console.log(
      `${CALLS} GET / per row after ${WARMUP_CALLS} warm-up calls, keep-alive; ${availableParallelism()} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(row(['path', 'in flight', 'p50 ms', 'p99 ms', 'CPU ms/req']));
    for (const concurrency of CONCURRENCY) {
      const measured: Record<string, { p50: number; cpu: number }> = {};
      for (const [name, base] of Object.entries(paths)) {
        const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
        const call = () => get(base, agent);
        await runCalls(call, WARMUP_CALLS, concurrency);
        const { latencies, cpuMsPerCall } = await runCalls(call, CALLS, concurrency);
        agent.destroy();
        measured[name] = { p50: median(latencies), cpu: cpuMsPerCall };
        console.log(
          row([
            name,
            String(concurrency),
            fmt(median(latencies), 2),
            fmt(percentile(latencies, 0.99), 2),
            fmt(cpuMsPerCall, 3),
          ]),
        );
      }
      const viaAlb = measured['through the ALB']!;
      const direct = measured['straight to the task']!;
      console.log(
        `  ${concurrency} in flight: the ALB adds p50 ${fmt(viaAlb.p50 - direct.p50, 2)} ms; CPU per request ×${fmt(viaAlb.cpu / direct.cpu, 1)} the direct path's`,
      );
    }
    console.log(`load average now ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await w.close();
  }
}

/** One GET; any status but 200 fails the benchmark (a 503 would measure the wrong thing). */
function get(base: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/', base), { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`GET ${base} answered ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
