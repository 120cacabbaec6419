/**
 * Virtual MFA devices: the account creates one (a TOTP seed, serial `arn:aws:iam::<account>:mfa/<name>`),
 * enables it for a user with two consecutive codes from it, deactivates it, deletes it once no user
 * has it. Tags as other IAM resources.
 *
 * Chosen where the reference is silent: EnableMFADevice takes two consecutive codes from the last
 * five minutes (an app's clock may lag); ResyncMFADevice looks ten minutes either way; a code is
 * good once (RFC 6238, section 5.2). The QR code (lean-qr: small, no dependencies) holds the
 * `otpauth://totp/` URI authenticator apps scan, labelled `Amazon Web Services:<device>@<account>`.
 * Hardware and FIDO devices cannot exist here, so every serial number is a virtual device's.
 */
import { randomBytes } from 'node:crypto';
import type {
  CreateVirtualMFADeviceRequest,
  CreateVirtualMFADeviceResponse,
  DeactivateMFADeviceRequest,
  DeleteVirtualMFADeviceRequest,
  EnableMFADeviceRequest,
  GetMFADeviceRequest,
  GetMFADeviceResponse,
  ListMFADevicesRequest,
  ListMFADevicesResponse,
  ListMFADeviceTagsRequest,
  ListMFADeviceTagsResponse,
  ListVirtualMFADevicesRequest,
  ListVirtualMFADevicesResponse,
  ResyncMFADeviceRequest,
  TagMFADeviceRequest,
  UntagMFADeviceRequest,
  VirtualMFADevice,
} from '@aws-sdk/client-iam';
import { generate } from 'lean-qr';
import { toPngBuffer } from 'lean-qr/extras/node_export';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import type { IamState, UserRecord, VirtualMfaDeviceRecord } from './state.ts';
import {
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  findUser,
  mergeTags,
  mfaDevices,
  noSuchEntity,
  userMfaDevices,
  users,
} from './state.ts';
import { base32Encode, timeStep, totpCode } from './totp.ts';
import { namedOrCallingUser, userShape } from './users.ts';

/** IAM's quota of MFA devices per user. */
const DEVICES_PER_USER = 8;
const ENABLE_WINDOW_STEPS = 10;
const RESYNC_WINDOW_STEPS = 20;
/** 40 bytes: the 64-character seeds IAM hands out. */
const SEED_BYTES = 40;
const ISSUER = 'Amazon Web Services';

/** The seed as a QR code for an authenticator app to scan: black on white, four pixels a module. */
function qrCodePng(seed: string, deviceName: string, accountId: string): Uint8Array {
  const label = encodeURIComponent(`${ISSUER}:${deviceName}@${accountId}`);
  const uri = `otpauth://totp/${label}?secret=${seed}&issuer=${encodeURIComponent(ISSUER)}`;
  return toPngBuffer(generate(uri), { on: [0, 0, 0], off: [255, 255, 255], scale: 4 });
}

function findDevice(state: IamState, serialNumber: string): VirtualMfaDeviceRecord {
  const devices = mfaDevices(state);
  const device = Object.hasOwn(devices, serialNumber) ? devices[serialNumber] : undefined;
  if (!device) throw noSuchEntity(`MFA Device with serial number ${serialNumber} does not exist.`);
  return device;
}

function holderOf(state: IamState, device: VirtualMfaDeviceRecord): UserRecord | undefined {
  return device.userId === undefined
    ? undefined
    : Object.values(users(state)).find((u) => u.id === device.userId);
}

/** The device as assigned to the user named (or the caller): NoSuchEntity for anyone else's. */
function assignedDevice(state: IamState, user: UserRecord, serialNumber: string): VirtualMfaDeviceRecord {
  const device = findDevice(state, serialNumber);
  if (device.userId !== user.id) {
    throw noSuchEntity(`MFA Device with serial number ${serialNumber} is not enabled for user ${user.name}.`);
  }
  return device;
}

/**
 * The step of `code2`, when `code1` is the code of a step from `stepsBack` before now to
 * `stepsAhead` after it and `code2` the next one, both after any code the device already took;
 * InvalidAuthenticationCode when there is none.
 */
function verifyCodes(
  device: VirtualMfaDeviceRecord,
  code1: string,
  code2: string,
  stepsBack: number,
  stepsAhead: number,
): number {
  const now = timeStep(Date.now());
  const from = Math.max(now - stepsBack, (device.lastStep ?? -Infinity) + 1);
  for (let step = from; step <= now + stepsAhead; step++) {
    if (totpCode(device.seed, step) === code1 && totpCode(device.seed, step + 1) === code2) return step + 1;
  }
  throw new ServiceError('Authentication code for device is not valid.', {
    code: 'InvalidAuthenticationCode',
    status: 403,
  });
}

export const createVirtualMFADevice: Handler<
  Checked<CreateVirtualMFADeviceRequest, 'VirtualMFADeviceName'>,
  CreateVirtualMFADeviceResponse,
  IamState
> = (input, ctx) => {
  const path = input.Path ?? '/';
  checkPath(path);
  const serialNumber = `arn:aws:iam::${ctx.accountId}:mfa${path}${input.VirtualMFADeviceName}`;
  // Names are unique regardless of case, as IAM's others are.
  const taken = Object.keys(mfaDevices(ctx.state)).some(
    (s) => s.toLowerCase() === serialNumber.toLowerCase(),
  );
  if (taken) throw entityAlreadyExists('MFADevice entity at the same path and name already exists.');
  const device: VirtualMfaDeviceRecord = {
    serialNumber,
    seed: base32Encode(randomBytes(SEED_BYTES)),
    createdMs: Date.now(),
    tags: mergeTags([], input.Tags ?? [], 'TagsPerMFADevice'),
  };
  mfaDevices(ctx.state)[serialNumber] = device;
  return {
    VirtualMFADevice: {
      SerialNumber: serialNumber,
      Base32StringSeed: Buffer.from(device.seed),
      QRCodePNG: qrCodePng(device.seed, input.VirtualMFADeviceName, ctx.accountId),
      ...(device.tags.length ? { Tags: device.tags } : {}),
    },
  };
};

export const enableMFADevice: Handler<
  Checked<
    EnableMFADeviceRequest,
    'AuthenticationCode1' | 'AuthenticationCode2' | 'SerialNumber' | 'UserName'
  >,
  void,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const device = findDevice(ctx.state, input.SerialNumber);
  if (device.userId !== undefined) throw entityAlreadyExists('MFA Device is already in use.');
  if (userMfaDevices(ctx.state, user).length >= DEVICES_PER_USER) {
    throw new ServiceError(`Cannot exceed quota for MFADevicesPerUser: ${DEVICES_PER_USER}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  device.lastStep = verifyCodes(
    device,
    input.AuthenticationCode1,
    input.AuthenticationCode2,
    ENABLE_WINDOW_STEPS,
    0,
  );
  device.userId = user.id;
  device.enabledMs = Date.now();
};

export const resyncMFADevice: Handler<
  Checked<
    ResyncMFADeviceRequest,
    'AuthenticationCode1' | 'AuthenticationCode2' | 'SerialNumber' | 'UserName'
  >,
  void,
  IamState
> = (input, ctx) => {
  const device = assignedDevice(ctx.state, findUser(ctx.state, input.UserName), input.SerialNumber);
  device.lastStep = verifyCodes(
    device,
    input.AuthenticationCode1,
    input.AuthenticationCode2,
    RESYNC_WINDOW_STEPS,
    RESYNC_WINDOW_STEPS,
  );
};

/** The device leaves the user and stays in the account, unassigned. */
export const deactivateMFADevice: Handler<
  Checked<DeactivateMFADeviceRequest, 'SerialNumber'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const device = assignedDevice(ctx.state, user, input.SerialNumber);
  delete device.userId;
  delete device.enabledMs;
};

export const deleteVirtualMFADevice: Handler<
  Checked<DeleteVirtualMFADeviceRequest, 'SerialNumber'>,
  void,
  IamState
> = (input, ctx) => {
  const device = findDevice(ctx.state, input.SerialNumber);
  const holder = holderOf(ctx.state, device);
  if (holder) {
    throw deleteConflict(
      `MFA Device ${input.SerialNumber} is enabled for user ${holder.name}: deactivate it first.`,
    );
  }
  delete mfaDevices(ctx.state)[device.serialNumber];
};

export const listMFADevices: Handler<ListMFADevicesRequest, ListMFADevicesResponse, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const { page, nextToken } = paginate(userMfaDevices(ctx.state, user), input.MaxItems, input.Marker);
  return {
    MFADevices: page.map((d) => ({
      UserName: user.name,
      SerialNumber: d.serialNumber,
      EnableDate: toDate(d.enabledMs)!,
    })),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

/** The account's virtual devices (Any by default), by serial number; never their seeds. */
export const listVirtualMFADevices: Handler<
  ListVirtualMFADevicesRequest,
  ListVirtualMFADevicesResponse,
  IamState
> = (input, ctx) => {
  const status = input.AssignmentStatus ?? 'Any';
  const listed = Object.values(mfaDevices(ctx.state))
    .filter((d) => status === 'Any' || (status === 'Assigned') === (d.userId !== undefined))
    .sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
  const { page, nextToken } = paginate(listed, input.MaxItems, input.Marker);
  return {
    VirtualMFADevices: page.map((d): VirtualMFADevice => {
      const holder = holderOf(ctx.state, d);
      return {
        SerialNumber: d.serialNumber,
        ...(holder ? { User: userShape(holder, false), EnableDate: toDate(d.enabledMs)! } : {}),
        ...(d.tags.length ? { Tags: d.tags } : {}),
      };
    }),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const getMFADevice: Handler<
  Checked<GetMFADeviceRequest, 'SerialNumber'>,
  GetMFADeviceResponse,
  IamState
> = (input, ctx) => {
  const device =
    input.UserName === undefined
      ? findDevice(ctx.state, input.SerialNumber)
      : assignedDevice(ctx.state, findUser(ctx.state, input.UserName), input.SerialNumber);
  const holder = holderOf(ctx.state, device);
  return {
    SerialNumber: device.serialNumber,
    ...(holder ? { UserName: holder.name, EnableDate: toDate(device.enabledMs)! } : {}),
  };
};

export const tagMFADevice: Handler<Checked<TagMFADeviceRequest, 'SerialNumber' | 'Tags'>, void, IamState> = (
  input,
  ctx,
) => {
  const device = findDevice(ctx.state, input.SerialNumber);
  device.tags = mergeTags(device.tags, input.Tags, 'TagsPerMFADevice');
};

export const untagMFADevice: Handler<
  Checked<UntagMFADeviceRequest, 'SerialNumber' | 'TagKeys'>,
  void,
  IamState
> = (input, ctx) => {
  const device = findDevice(ctx.state, input.SerialNumber);
  device.tags = device.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listMFADeviceTags: Handler<
  Checked<ListMFADeviceTagsRequest, 'SerialNumber'>,
  ListMFADeviceTagsResponse,
  IamState
> = (input, ctx) => {
  const device = findDevice(ctx.state, input.SerialNumber);
  const { page, nextToken } = paginate(device.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
