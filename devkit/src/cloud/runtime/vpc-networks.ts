/**
 * awsvpc, emulated: one Docker network per VPC (found through the task's subnet in the local EC2),
 * each task with its own address on it. Containers the devkit runs beside this cloud (the Gemini
 * replay server; labelled with the alias and this cloud's id, labels.ts) are connected to every
 * such network under that alias, so tasks reach them by name (http://gemini-mock:8080).
 */
import type { Ec2State } from '../services/ec2/index.ts';
import type { TaskRecord } from '../services/ecs/state.ts';
import { LABELS } from './labels.ts';
import type { TaskContainers } from './task-containers.ts';
import { TaskStartError } from './task-spec.ts';

export class VpcNetworks {
  private readonly containers: TaskContainers;
  private readonly cloudId: string;

  constructor(containers: TaskContainers, cloudId: string) {
    this.containers = containers;
    this.cloudId = cloudId;
  }

  /** The Docker network of the task's VPC, ready with the shared services on it. */
  async forTask(task: TaskRecord, ec2: Ec2State): Promise<string> {
    const subnetId = task.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
    const subnet = subnetId ? ec2.subnets[subnetId] : undefined;
    if (!subnet) {
      // What RunTask says on AWS when the subnet does not exist.
      throw new TaskStartError(
        `InvalidParameterException: Error retrieving subnet information for [${subnetId ?? ''}]: ` +
          `The subnet ID '${subnetId ?? ''}' does not exist`,
      );
    }
    const name = this.networkName(subnet.vpcId);
    if (await this.containers.ensureNetwork(name)) await this.connectSharedServices([name]);
    return name;
  }

  /** `devkit-<cloud>-<vpc-id>`: VPC ids are per cloud, and so are the networks. */
  networkName(vpcId: string): string {
    return `devkit-${this.cloudId.slice(0, 8)}-${vpcId}`;
  }

  /** Connects every aliased container beside this cloud to the given networks (all of its own by default). */
  async connectSharedServices(networks?: string[]): Promise<void> {
    const targets = networks ?? (await this.containers.networks());
    if (targets.length === 0) return;
    for (const container of await this.containers.aliased()) {
      const alias = container.Labels[LABELS.networkAlias];
      if (!alias) continue;
      const joined = Object.keys(container.NetworkSettings?.Networks ?? {});
      for (const network of targets) {
        if (!joined.includes(network)) await this.containers.connectAlias(network, container.Id, alias);
      }
    }
  }
}
