/**
 * A Fargate task's elastic network interface, as EC2 shows it: created through EC2's seam for
 * requester-managed interfaces once the task's containers have their address on the VPC's Docker
 * network (that address is the interface's), in the task's first subnet with its security groups,
 * described as its ECS attachment; deleted once the task is STOPPED. (On AWS the interface exists
 * before the containers start; here it follows them, so the attachment turns ATTACHED when the
 * task is up rather than while it is PENDING.)
 */
import type { StateStore } from '../state/store.ts';
import type { AttachedInterface } from '../services/ecs/lifecycle.ts';
import { taskNetworkInterfaceId } from '../services/ecs/lifecycle.ts';
import type { EcsState, TaskRecord } from '../services/ecs/state.ts';
import { createManagedInterface, deleteManagedInterface, privateDnsName } from '../services/ec2/index.ts';
import { TaskStartError } from './task-spec.ts';

/**
 * The account that owns Fargate's task interfaces (their RequesterId). AWS does not document it;
 * the local cloud uses this stand-in, which is not the user's account (so RequesterManaged reads true).
 */
export const FARGATE_REQUESTER_ID = '111122223333';

/** Creates the task's interface with the address its containers have; undefined for a task without awsvpc. */
export function createTaskInterface(
  store: StateStore,
  region: string,
  task: TaskRecord,
  privateIp: string,
): AttachedInterface | undefined {
  const awsvpc = task.networkConfiguration?.awsvpcConfiguration;
  const attachment = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const subnetId = awsvpc?.subnets?.[0];
  if (!awsvpc || !attachment?.id || subnetId === undefined) return undefined;
  const [, partition, , , account] = task.taskArn.split(':');
  try {
    const eni = createManagedInterface(store, {
      region,
      subnetId,
      securityGroupIds: awsvpc.securityGroups ?? [],
      description: `arn:${partition}:ecs:${region}:${account}:attachment/${attachment.id}`,
      requesterId: FARGATE_REQUESTER_ID,
      ...(privateIp ? { privateIp } : {}),
    });
    return {
      networkInterfaceId: eni.id,
      subnetId: eni.subnetId,
      macAddress: eni.macAddress,
      privateDnsName: privateDnsName(region, eni.privateIps[0]!),
      privateIpv4Address: eni.privateIps[0]!,
    };
  } catch (error) {
    // Fargate's words for a task whose interface could not be set up.
    throw new TaskStartError(
      `ResourceInitializationError: unable to create the task's network interface: ${(error as Error).message}`,
    );
  }
}

/** Deletes the interfaces of the region's STOPPED tasks that EC2 still holds (however they stopped). */
export function deleteStoppedTaskInterfaces(store: StateStore, region: string, ecs: EcsState): void {
  for (const task of Object.values(ecs.tasks)) {
    if (task.lastStatus !== 'STOPPED') continue;
    const id = taskNetworkInterfaceId(task);
    if (id === undefined) continue;
    try {
      deleteManagedInterface(store, region, id);
    } catch (error) {
      console.error(`[cloud] runtime: could not delete ${id}:`, (error as Error).message);
    }
  }
}
