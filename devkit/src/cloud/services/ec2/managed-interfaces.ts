/**
 * THE SEAM for parts outside EC2's API (the ECS task runtime): network interfaces an AWS service
 * creates in the user's subnet and deletes itself, as Fargate does for each awsvpc task. They are
 * requester-managed (RequesterManaged true, RequesterId AWS's service account), attached (`in-use`),
 * and the user cannot delete them (DeleteNetworkInterface answers as EC2 does). Changes are journaled
 * like any EC2 change, so DescribeNetworkInterfaces shows them after a restart.
 */
import { ServiceError } from '../../protocol/errors.ts';
import type { StateStore } from '../../state/store.ts';
import { resourceId } from '../common.ts';
import { initialEc2State } from './default-vpc.ts';
import { addNetworkInterface, removeNetworkInterface } from './network-interfaces.ts';
import type { Ec2State, NetworkInterfaceRecord } from './state.ts';
import { find, records } from './state.ts';

export interface ManagedInterfaceRequest {
  region: string;
  subnetId: string;
  securityGroupIds: string[];
  /** `arn:aws:ecs:<region>:<account>:attachment/<id>` for a task's interface, as AWS describes it. */
  description: string;
  /** The AWS account of the service that owns it (ECS's, for Fargate tasks). */
  requesterId: string;
  /**
   * The address the runtime already gave the task (its Docker network's): taken as it is, only
   * refused when another interface of the VPC holds it. Without one, the subnet's next free address.
   */
  privateIp?: string;
}

function ec2StateOf(store: StateStore, region: string): Ec2State {
  return store.slice('ec2', region, () => initialEc2State(region));
}

/** Creates an attached, requester-managed interface; throws EC2's error (ServiceError) when it cannot. */
export function createManagedInterface(
  store: StateStore,
  request: ManagedInterfaceRequest,
): NetworkInterfaceRecord {
  const state = ec2StateOf(store, request.region);
  const subnet = find(state, 'subnet', request.subnetId);
  const eni = addNetworkInterface(state, {
    subnet,
    description: request.description,
    groupIds: request.securityGroupIds,
    requesterId: request.requesterId,
    ...(request.privateIp === undefined ? {} : { assignedAddress: request.privateIp }),
  });
  eni.attachment = {
    id: resourceId('ela-attach', 8),
    instanceOwnerId: request.requesterId,
    deviceIndex: 1,
    attachedMs: eni.createdMs,
  };
  store.markDirty('ec2', request.region);
  return eni;
}

/** Deletes a managed interface (detaching it first); an interface already gone is not an error. */
export function deleteManagedInterface(store: StateStore, region: string, networkInterfaceId: string): void {
  const state = ec2StateOf(store, region);
  const eni = records(state, 'eni')[networkInterfaceId];
  if (!eni) return;
  if (eni.requesterId === undefined) {
    throw new ServiceError(`${networkInterfaceId} is not a requester-managed interface`, {
      code: 'OperationNotPermitted',
    });
  }
  removeNetworkInterface(state, eni.id);
  store.markDirty('ec2', region);
}
