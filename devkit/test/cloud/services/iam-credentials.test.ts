/**
 * IAM users' other credentials, from the IAM API reference's operations and error tables, through
 * the real SDK and the AWS CLI: console passwords (login profiles, the password policy,
 * ChangePassword as the user), SSH public keys (fingerprints as ssh-keygen makes them), signing
 * certificates, service-specific credentials, virtual MFA devices (real TOTP codes), the credential
 * report, DeleteUser's conflicts and Terraform's force_destroy teardown, and everything kept
 * across a restart without a plaintext password on disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetMFADeviceCommand,
  GetSSHPublicKeyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  ResetServiceSpecificCredentialCommand,
  ResyncMFADeviceCommand,
  TagMFADeviceCommand,
  UntagMFADeviceCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { timeStep, totpCode } from '../../../src/cloud/services/iam/totp.ts';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';
import {
  CERTIFICATES,
  ED25519_KEY,
  EXPIRED_CERTIFICATE,
  RSA_KEY,
  RSA_KEY_2,
  RSA_KEY_2_MD5,
  RSA_KEY_MD5,
  RSA_KEY_PEM,
  SHORT_RSA_KEY,
} from './iam-credentials-fixtures.ts';

const ACCOUNT = '000000000000';
const GOOD_PASSWORD = 'Correct-Horse-9';

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
});
afterAll(async () => {
  iam.destroy();
  await t.dispose();
});

/** An IAM client signing with a new access key of the user's. */
async function clientOf(userName: string): Promise<IAMClient> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return new IAMClient({
    ...t.clientConfig,
    credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
  });
}

/** Two consecutive codes of a seed, the second the current one, as an authenticator app shows them. */
function consecutiveCodes(seed: string): [string, string] {
  const now = timeStep(Date.now());
  return [totpCode(seed, now - 1), totpCode(seed, now)];
}

describe('login profiles', () => {
  it('sets, reads and replaces a console password, never answering it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'console-user' }));
    expect(await errorOf(iam.send(new GetLoginProfileCommand({ UserName: 'console-user' })))).toEqual({
      name: 'NoSuchEntityException',
      message: 'Login Profile for User console-user cannot be found.',
    });
    const { LoginProfile } = await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'console-user',
        Password: GOOD_PASSWORD,
        PasswordResetRequired: true,
      }),
    );
    expect(LoginProfile).toEqual({
      UserName: 'console-user',
      CreateDate: expect.any(Date),
      PasswordResetRequired: true,
    });
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'console-user' }))).LoginProfile).toEqual(
      LoginProfile,
    );
    expect(
      await errorOf(
        iam.send(new CreateLoginProfileCommand({ UserName: 'console-user', Password: GOOD_PASSWORD })),
      ),
    ).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'Login Profile for user console-user already exists.',
    });
    expect(
      await errorOf(iam.send(new CreateLoginProfileCommand({ UserName: 'nobody', Password: GOOD_PASSWORD }))),
    ).toEqual({ name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.' });

    await iam.send(new UpdateLoginProfileCommand({ UserName: 'console-user', PasswordResetRequired: false }));
    expect(
      (await iam.send(new GetLoginProfileCommand({ UserName: 'console-user' }))).LoginProfile!
        .PasswordResetRequired,
    ).toBe(false);
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'console-user' }));
    expect(await errorOf(iam.send(new DeleteLoginProfileCommand({ UserName: 'console-user' })))).toEqual({
      name: 'NoSuchEntityException',
      message: 'Login Profile for User console-user cannot be found.',
    });
  });

  it("holds passwords to IAM's default policy while the account has none", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'default-policy' }));
    for (const [password, message] of [
      ['Ab1!', 'Password should have a minimum length of 8'],
      [
        'alllowercase1',
        'Password should have at least three of: uppercase letters, lowercase letters, numbers, symbols',
      ],
    ]) {
      expect(
        await errorOf(
          iam.send(new CreateLoginProfileCommand({ UserName: 'default-policy', Password: password })),
        ),
      ).toEqual({ name: 'PasswordPolicyViolationException', message });
    }
    // Three kinds of four are enough.
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'default-policy', Password: 'lower-and-UPPER' }),
    );
  });

  it("enforces the account's password policy on every new password, ChangePassword's too", async () => {
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 12,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        PasswordReusePrevention: 2,
      }),
    );
    try {
      await iam.send(new CreateUserCommand({ UserName: 'policy-user' }));
      expect(
        await errorOf(
          iam.send(new CreateLoginProfileCommand({ UserName: 'policy-user', Password: 'weakpass' })),
        ),
      ).toEqual({
        name: 'PasswordPolicyViolationException',
        message:
          'Password should have a minimum length of 12; Password should have at least one uppercase letter; ' +
          'Password should have at least one number; Password should have at least one symbol.',
      });
      await iam.send(
        new CreateLoginProfileCommand({
          UserName: 'policy-user',
          Password: 'First-Password-1',
          PasswordResetRequired: true,
        }),
      );

      // ChangePassword is the calling user's own: the root and others get InvalidUserType.
      expect(
        await errorOf(
          iam.send(
            new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'Second-Pass-2' }),
          ),
        ),
      ).toEqual({
        name: 'InvalidUserTypeException',
        message: 'Only IAM users can change their own password with ChangePassword.',
      });
      const asUser = await clientOf('policy-user');
      expect(
        await errorOf(
          asUser.send(
            new ChangePasswordCommand({ OldPassword: 'Wrong-Password-1', NewPassword: 'Second-Pass-2' }),
          ),
        ),
      ).toEqual({ name: 'AccessDenied', message: 'The old password is incorrect.' });
      expect(
        await errorOf(
          asUser.send(new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'short' })),
        ),
      ).toMatchObject({ name: 'PasswordPolicyViolationException' });
      // PasswordReusePrevention 2: the current password cannot come back.
      expect(
        await errorOf(
          asUser.send(
            new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'First-Password-1' }),
          ),
        ),
      ).toEqual({
        name: 'PasswordPolicyViolationException',
        message: 'Password should not be one of the 2 previously used passwords.',
      });
      await asUser.send(
        new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'Second-Pass-2!' }),
      );
      // A changed password no longer needs resetting, and the old one no longer works.
      expect(
        (await iam.send(new GetLoginProfileCommand({ UserName: 'policy-user' }))).LoginProfile!
          .PasswordResetRequired,
      ).toBe(false);
      expect(
        await errorOf(
          asUser.send(
            new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'Third-Pass-3!' }),
          ),
        ),
      ).toMatchObject({ name: 'AccessDenied' });
      // The previous password is still among the last two; a third one is not.
      await iam.send(new UpdateLoginProfileCommand({ UserName: 'policy-user', Password: 'Third-Pass-3!' }));
      await expect(
        iam.send(new UpdateLoginProfileCommand({ UserName: 'policy-user', Password: 'Second-Pass-2!' })),
      ).rejects.toThrow('Password should not be one of the 2 previously used passwords.');
      await iam.send(
        new UpdateLoginProfileCommand({ UserName: 'policy-user', Password: 'First-Password-1' }),
      );
      asUser.destroy();
    } finally {
      await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    }
  });
});

describe('SSH public keys', () => {
  it("uploads an ssh-rsa key with ssh-keygen's MD5 fingerprint and answers it in SSH or PEM encoding", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'git-user' }));
    const { SSHPublicKey } = await iam.send(
      new UploadSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyBody: RSA_KEY }),
    );
    const [type, data] = RSA_KEY.split(' ');
    expect(SSHPublicKey).toEqual({
      UserName: 'git-user',
      SSHPublicKeyId: expect.stringMatching(/^APKA[A-Z2-7]{16}$/),
      Fingerprint: RSA_KEY_MD5,
      SSHPublicKeyBody: `${type} ${data}`,
      Status: 'Active',
      UploadDate: expect.any(Date),
    });
    const id = SSHPublicKey!.SSHPublicKeyId!;
    const pem = await iam.send(
      new GetSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: id, Encoding: 'PEM' }),
    );
    expect(pem.SSHPublicKey!.SSHPublicKeyBody!.trim()).toBe(RSA_KEY_PEM.trim());
    const ssh = await iam.send(
      new GetSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: id, Encoding: 'SSH' }),
    );
    expect(ssh.SSHPublicKey).toEqual(SSHPublicKey);

    // The same key in PEM form is the same key: a duplicate for this user, not for another.
    expect(
      await errorOf(
        iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyBody: RSA_KEY_PEM })),
      ),
    ).toEqual({
      name: 'DuplicateSSHPublicKeyException',
      message: 'The SSH public key is already associated with the specified IAM user.',
    });
    await iam.send(new CreateUserCommand({ UserName: 'git-user-2' }));
    const fromPem = await iam.send(
      new UploadSSHPublicKeyCommand({ UserName: 'git-user-2', SSHPublicKeyBody: RSA_KEY_PEM }),
    );
    // Answered as uploaded in its own encoding, converted in the other.
    expect(fromPem.SSHPublicKey).toMatchObject({
      Fingerprint: RSA_KEY_MD5,
      SSHPublicKeyBody: RSA_KEY_PEM.trim(),
    });
    const asSsh = await iam.send(
      new GetSSHPublicKeyCommand({
        UserName: 'git-user-2',
        SSHPublicKeyId: fromPem.SSHPublicKey!.SSHPublicKeyId!,
        Encoding: 'SSH',
      }),
    );
    expect(asSsh.SSHPublicKey!.SSHPublicKeyBody).toBe(`${type} ${data}`);
  });

  it('refuses keys IAM does not take', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bad-keys' }));
    const upload = (body: string) =>
      errorOf(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'bad-keys', SSHPublicKeyBody: body })));
    expect(await upload(SHORT_RSA_KEY)).toEqual({
      name: 'InvalidPublicKeyException',
      message: 'The public key is not valid: the key has 1024 bits, fewer than 2048.',
    });
    const unrecognized = {
      name: 'UnrecognizedPublicKeyEncodingException',
      message: 'The public key encoding format is unsupported or unrecognized: it must be ssh-rsa or PEM.',
    };
    expect(await upload(ED25519_KEY)).toEqual(unrecognized);
    expect(await upload('not a key')).toEqual(unrecognized);
    expect(await upload('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toEqual(unrecognized);
    // A certificate holds a public key but is not one.
    expect(await upload(CERTIFICATES[0])).toEqual(unrecognized);
    // Well-formed base64 that is not an ssh-rsa key's wire encoding.
    expect(await upload(`ssh-rsa ${Buffer.from('\0\0\0\x07ssh-dss').toString('base64')}`)).toMatchObject({
      name: 'InvalidPublicKeyException',
    });
    expect(
      await errorOf(
        iam.send(new UploadSSHPublicKeyCommand({ UserName: 'nobody', SSHPublicKeyBody: RSA_KEY })),
      ),
    ).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('lists, deactivates and deletes keys, the calling user’s without a name', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'key-owner' }));
    const { SSHPublicKey } = await iam.send(
      new UploadSSHPublicKeyCommand({ UserName: 'key-owner', SSHPublicKeyBody: RSA_KEY_2 }),
    );
    expect(SSHPublicKey!.Fingerprint).toBe(RSA_KEY_2_MD5);
    const id = SSHPublicKey!.SSHPublicKeyId!;
    await iam.send(
      new UpdateSSHPublicKeyCommand({ UserName: 'key-owner', SSHPublicKeyId: id, Status: 'Inactive' }),
    );
    expect(
      await errorOf(
        iam.send(
          new UpdateSSHPublicKeyCommand({ UserName: 'key-owner', SSHPublicKeyId: id, Status: 'Expired' }),
        ),
      ),
    ).toEqual({ name: 'InvalidInputException', message: 'Status must be Active or Inactive, not Expired.' });
    const asOwner = await clientOf('key-owner');
    expect((await asOwner.send(new ListSSHPublicKeysCommand({}))).SSHPublicKeys).toEqual([
      { UserName: 'key-owner', SSHPublicKeyId: id, Status: 'Inactive', UploadDate: expect.any(Date) },
    ]);
    asOwner.destroy();
    await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'key-owner', SSHPublicKeyId: id }));
    expect(
      await errorOf(
        iam.send(new GetSSHPublicKeyCommand({ UserName: 'key-owner', SSHPublicKeyId: id, Encoding: 'SSH' })),
      ),
    ).toEqual({ name: 'NoSuchEntityException', message: `The Public Key with id ${id} cannot be found.` });
    expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'key-owner' }))).SSHPublicKeys).toEqual(
      [],
    );
  });
});

describe('signing certificates', () => {
  it('uploads X.509 certificates, two per user, each once in the account', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'signer' }));
    const { Certificate } = await iam.send(
      new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERTIFICATES[0] }),
    );
    expect(Certificate).toEqual({
      UserName: 'signer',
      CertificateId: expect.stringMatching(/^[A-Z2-7]{28}$/),
      CertificateBody: CERTIFICATES[0],
      Status: 'Active',
      UploadDate: expect.any(Date),
    });
    await iam.send(new CreateUserCommand({ UserName: 'other-signer' }));
    expect(
      await errorOf(
        iam.send(
          new UploadSigningCertificateCommand({ UserName: 'other-signer', CertificateBody: CERTIFICATES[0] }),
        ),
      ),
    ).toEqual({
      name: 'DuplicateCertificateException',
      message: 'The same certificate is already associated with an IAM user in the account.',
    });
    expect(
      await errorOf(
        iam.send(
          new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: 'not a certificate' }),
        ),
      ),
    ).toEqual({
      name: 'MalformedCertificateException',
      message: 'The certificate is malformed: it must be one X.509 certificate in PEM form.',
    });
    expect(
      await errorOf(
        iam.send(
          new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: EXPIRED_CERTIFICATE }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidCertificateException' });
    await iam.send(
      new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERTIFICATES[1] }),
    );
    expect(
      await errorOf(
        iam.send(
          new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERTIFICATES[2] }),
        ),
      ),
    ).toEqual({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for SigningCertificatesPerUser: 2',
    });

    const id = Certificate!.CertificateId!;
    await iam.send(
      new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: id, Status: 'Inactive' }),
    );
    const listed = await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }));
    expect(listed.Certificates!.map((c) => [c.CertificateId === id, c.Status])).toEqual([
      [true, 'Inactive'],
      [false, 'Active'],
    ]);
    await iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: id }));
    expect(
      await errorOf(iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: id }))),
    ).toEqual({ name: 'NoSuchEntityException', message: `The Certificate with id ${id} cannot be found.` });
    // Deleted, it may belong to someone else.
    await iam.send(
      new UploadSigningCertificateCommand({ UserName: 'other-signer', CertificateBody: CERTIFICATES[0] }),
    );
    const [second] = (await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' })))
      .Certificates!;
    await iam.send(
      new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: second!.CertificateId! }),
    );
  });
});

describe('service-specific credentials', () => {
  it('issues CodeCommit and Keyspaces passwords and Bedrock API keys, two per service', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'coder' }));
    const { ServiceSpecificCredential: git } = await iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'coder',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    );
    expect(git).toEqual({
      UserName: 'coder',
      ServiceName: 'codecommit.amazonaws.com',
      ServiceUserName: `coder-at-${ACCOUNT}`,
      ServicePassword: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      ServiceSpecificCredentialId: expect.stringMatching(/^ACCA[A-Z2-7]{16}$/),
      Status: 'Active',
      CreateDate: expect.any(Date),
    });
    await iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'coder',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    );
    expect(
      await errorOf(
        iam.send(
          new CreateServiceSpecificCredentialCommand({
            UserName: 'coder',
            ServiceName: 'codecommit.amazonaws.com',
          }),
        ),
      ),
    ).toEqual({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2',
    });
    const keyspaces = await iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'coder',
        ServiceName: 'cassandra.amazonaws.com',
      }),
    );
    expect(keyspaces.ServiceSpecificCredential!.ServicePassword).toBeDefined();
    const { ServiceSpecificCredential: bedrock } = await iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'coder',
        ServiceName: 'bedrock.amazonaws.com',
        CredentialAgeDays: 30,
      }),
    );
    expect(bedrock).toMatchObject({
      ServiceCredentialAlias: expect.stringMatching(new RegExp(`^BedrockAPIKey-[a-z2-7]{4}-at-${ACCOUNT}$`)),
      ServiceCredentialSecret: expect.any(String),
    });
    expect(bedrock!.ServicePassword).toBeUndefined();
    expect(bedrock!.ExpirationDate!.getTime() - bedrock!.CreateDate!.getTime()).toBe(30 * 86_400_000);

    const unsupported = iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: 'coder', ServiceName: 's3.amazonaws.com' }),
    );
    await expect(unsupported).rejects.toMatchObject({
      name: 'ServiceNotSupportedException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(
      await errorOf(
        iam.send(
          new CreateServiceSpecificCredentialCommand({
            UserName: 'coder',
            ServiceName: 'codecommit.amazonaws.com',
            CredentialAgeDays: 1,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidInputException',
      message: 'CredentialAgeDays is valid only for Bedrock API keys (bedrock.amazonaws.com).',
    });

    // Listed without the password; Reset makes a new one.
    const listed = await iam.send(
      new ListServiceSpecificCredentialsCommand({
        UserName: 'coder',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    );
    expect(listed.ServiceSpecificCredentials).toHaveLength(2);
    expect(listed.ServiceSpecificCredentials![0]).not.toHaveProperty('ServicePassword');
    const id = git!.ServiceSpecificCredentialId!;
    const reset = await iam.send(
      new ResetServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: id }),
    );
    expect(reset.ServiceSpecificCredential!.ServicePassword).not.toBe(git!.ServicePassword);
    await iam.send(
      new UpdateServiceSpecificCredentialCommand({
        UserName: 'coder',
        ServiceSpecificCredentialId: id,
        Status: 'Inactive',
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'coder-2' }));
    await iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'coder-2',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    );
    const everyone = await iam.send(
      new ListServiceSpecificCredentialsCommand({ AllUsers: true, ServiceName: 'codecommit.amazonaws.com' }),
    );
    expect(everyone.ServiceSpecificCredentials!.map((c) => [c.UserName, c.Status])).toEqual([
      ['coder', 'Inactive'],
      ['coder', 'Active'],
      ['coder-2', 'Active'],
    ]);
    await iam.send(
      new DeleteServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: id }),
    );
    expect(
      await errorOf(
        iam.send(
          new DeleteServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: id }),
        ),
      ),
    ).toEqual({ name: 'NoSuchEntityException', message: `No such credential ${id} exists for user coder.` });
  });
});

describe('virtual MFA devices', () => {
  it("computes RFC 6238's SHA-1 test vectors (the codes the tests below type)", () => {
    const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
    const at = (seconds: number) => totpCode(seed, timeStep(seconds * 1000));
    expect([at(59), at(1111111109), at(1111111111), at(1234567890), at(2000000000)]).toEqual([
      '287082',
      '081804',
      '050471',
      '005924',
      '279037',
    ]);
  });

  it('creates a device, enables it with two consecutive codes, resyncs, deactivates and deletes it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'mfa-user' }));
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({
        VirtualMFADeviceName: 'mfa-user',
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/mfa-user`;
    expect(VirtualMFADevice!.SerialNumber).toBe(serial);
    const seed = Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString();
    expect(seed).toMatch(/^[A-Z2-7]{64}$/);
    // A PNG (its signature, then IHDR) of a square image: the QR code an authenticator app scans.
    const png = Buffer.from(VirtualMFADevice!.QRCodePNG!);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString()).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(png.readUInt32BE(20));
    expect(
      await errorOf(iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'MFA-USER' }))),
    ).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'MFADevice entity at the same path and name already exists.',
    });
    const summaryBefore = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;

    const [code1, code2] = consecutiveCodes(seed);
    const enable = (codes: [string, string], userName = 'mfa-user') =>
      iam.send(
        new EnableMFADeviceCommand({
          UserName: userName,
          SerialNumber: serial,
          AuthenticationCode1: codes[0],
          AuthenticationCode2: codes[1],
        }),
      );
    // Out of order, or not the device's: refused.
    await expect(enable([code2, code1])).rejects.toMatchObject({
      name: 'InvalidAuthenticationCodeException',
      message: 'Authentication code for device is not valid.',
      $metadata: { httpStatusCode: 403 },
    });
    await enable([code1, code2]);
    expect(await errorOf(enable([code1, code2]))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'MFA Device is already in use.',
    });

    const { MFADevices } = await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }));
    expect(MFADevices).toEqual([
      { UserName: 'mfa-user', SerialNumber: serial, EnableDate: expect.any(Date) },
    ]);
    expect(await iam.send(new GetMFADeviceCommand({ SerialNumber: serial }))).toMatchObject({
      UserName: 'mfa-user',
      SerialNumber: serial,
      EnableDate: expect.any(Date),
    });
    const assigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    expect(assigned.VirtualMFADevices).toEqual([
      {
        SerialNumber: serial,
        User: expect.objectContaining({ UserName: 'mfa-user', Arn: `arn:aws:iam::${ACCOUNT}:user/mfa-user` }),
        EnableDate: expect.any(Date),
        Tags: [{ Key: 'team', Value: 'a' }],
      },
    ]);
    expect(assigned.VirtualMFADevices![0]!.Base32StringSeed).toBeUndefined();
    expect(
      (
        await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))
      ).VirtualMFADevices!.map((d) => d.SerialNumber),
    ).not.toContain(serial);
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(summary.MFADevicesInUse).toBe(summaryBefore.MFADevicesInUse! + 1);

    // Codes already taken do not resync; a wrong pair does not either.
    await expect(
      iam.send(
        new ResyncMFADeviceCommand({
          UserName: 'mfa-user',
          SerialNumber: serial,
          AuthenticationCode1: code1,
          AuthenticationCode2: code2,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidAuthenticationCodeException' });

    await iam.send(new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'env', Value: 'dev' }] }));
    await iam.send(new UntagMFADeviceCommand({ SerialNumber: serial, TagKeys: ['team'] }));
    expect((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }))).Tags).toEqual([
      { Key: 'env', Value: 'dev' },
    ]);

    expect(await errorOf(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })))).toEqual({
      name: 'DeleteConflictException',
      message: `MFA Device ${serial} is enabled for user mfa-user: deactivate it first.`,
    });
    await iam.send(new CreateUserCommand({ UserName: 'not-the-holder' }));
    expect(
      await errorOf(
        iam.send(new DeactivateMFADeviceCommand({ UserName: 'not-the-holder', SerialNumber: serial })),
      ),
    ).toEqual({
      name: 'NoSuchEntityException',
      message: `MFA Device with serial number ${serial} is not enabled for user not-the-holder.`,
    });
    await iam.send(new DeactivateMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial }));
    expect((await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }))).MFADevices).toEqual([]);
    expect(
      (
        await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))
      ).VirtualMFADevices!.map((d) => d.SerialNumber),
    ).toContain(serial);
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    expect(await errorOf(iam.send(new GetMFADeviceCommand({ SerialNumber: serial })))).toEqual({
      name: 'NoSuchEntityException',
      message: `MFA Device with serial number ${serial} does not exist.`,
    });
  });

  it('resyncs a device with two fresh consecutive codes', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'resync-user' }));
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'resync', Path: '/team/' }),
    );
    const serial = VirtualMFADevice!.SerialNumber!;
    expect(serial).toBe(`arn:aws:iam::${ACCOUNT}:mfa/team/resync`);
    const seed = Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString();
    const now = timeStep(Date.now());
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'resync-user',
        SerialNumber: serial,
        AuthenticationCode1: totpCode(seed, now - 3),
        AuthenticationCode2: totpCode(seed, now - 2),
      }),
    );
    // A device whose clock runs a few minutes fast.
    await iam.send(
      new ResyncMFADeviceCommand({
        UserName: 'resync-user',
        SerialNumber: serial,
        AuthenticationCode1: totpCode(seed, now + 5),
        AuthenticationCode2: totpCode(seed, now + 6),
      }),
    );
  });
});

describe('credential report', () => {
  it('is not present until generated, then answers AWS’s columns for the root and each user', async () => {
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotPresentException',
      $metadata: { httpStatusCode: 410 },
    });
    await iam.send(new CreateUserCommand({ UserName: 'reported', Path: '/audit/' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'reported', Password: GOOD_PASSWORD }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'reported' }));
    await iam.send(
      new UploadSigningCertificateCommand({ UserName: 'reported', CertificateBody: CERTIFICATES[2] }),
    );

    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({
      State: 'STARTED',
      Description: 'No report exists. Starting a new report generation task',
    });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    const [header, ...rows] = Buffer.from(report.Content!).toString().split('\n');
    expect(header).toBe(
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
        'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
        'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
        'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
        'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,' +
        'cert_2_active,cert_2_last_rotated',
    );
    const columns = header!.split(',');
    const byUser = new Map(
      rows.map((r) => {
        const values = r.split(',');
        return [values[0], Object.fromEntries(columns.map((c, i) => [c, values[i]]))];
      }),
    );
    expect(rows[0]!.startsWith(`<root_account>,arn:aws:iam::${ACCOUNT}:root,`)).toBe(true);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;
    expect(byUser.get('reported')).toEqual({
      user: 'reported',
      arn: `arn:aws:iam::${ACCOUNT}:user/audit/reported`,
      user_creation_time: expect.stringMatching(iso),
      password_enabled: 'true',
      password_last_used: 'no_information',
      password_last_changed: expect.stringMatching(iso),
      password_next_rotation: 'N/A',
      mfa_active: 'false',
      access_key_1_active: 'true',
      access_key_1_last_rotated: expect.stringMatching(iso),
      access_key_1_last_used_date: 'N/A',
      access_key_1_last_used_region: 'N/A',
      access_key_1_last_used_service: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'true',
      cert_1_last_rotated: expect.stringMatching(iso),
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
    expect(byUser.get('console-user')).toMatchObject({
      password_enabled: 'false',
      password_last_used: 'N/A',
    });

    // Four hours on, the report has expired and the next request makes a new one.
    const later = Date.now() + 4 * 3_600_000 + 1000;
    vi.spyOn(Date, 'now').mockReturnValue(later);
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportExpiredException',
      $metadata: { httpStatusCode: 410 },
    });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await iam.send(new GetCredentialReportCommand({}))).GeneratedTime!.getTime()).toBe(later);
    vi.restoreAllMocks();
  });
});

describe('DeleteUser', () => {
  it('refuses while the user has any credential, naming what to delete first', async () => {
    const cases: Array<[string, (user: string) => Promise<unknown>, string]> = [
      [
        'login profile',
        (u) => iam.send(new CreateLoginProfileCommand({ UserName: u, Password: GOOD_PASSWORD })),
        'Cannot delete entity, must delete login profile first.',
      ],
      [
        'SSH key',
        (u) => iam.send(new UploadSSHPublicKeyCommand({ UserName: u, SSHPublicKeyBody: RSA_KEY })),
        'Cannot delete entity, must delete SSH public keys first.',
      ],
      [
        'signing certificate',
        (u) =>
          iam.send(new UploadSigningCertificateCommand({ UserName: u, CertificateBody: CERTIFICATES[1] })),
        'Cannot delete entity, must delete signing certificates first.',
      ],
      [
        'service-specific credential',
        (u) =>
          iam.send(
            new CreateServiceSpecificCredentialCommand({
              UserName: u,
              ServiceName: 'codecommit.amazonaws.com',
            }),
          ),
        'Cannot delete entity, must delete service-specific credentials first.',
      ],
      [
        'MFA device',
        async (u) => {
          const { VirtualMFADevice } = await iam.send(
            new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: u }),
          );
          const codes = consecutiveCodes(Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString());
          await iam.send(
            new EnableMFADeviceCommand({
              UserName: u,
              SerialNumber: VirtualMFADevice!.SerialNumber!,
              AuthenticationCode1: codes[0],
              AuthenticationCode2: codes[1],
            }),
          );
        },
        'Cannot delete entity, must delete MFA device first.',
      ],
    ];
    for (const [what, add, message] of cases) {
      const user = `holds-${what.replaceAll(' ', '-')}`;
      await iam.send(new CreateUserCommand({ UserName: user }));
      await add(user);
      expect(await errorOf(iam.send(new DeleteUserCommand({ UserName: user }))), what).toEqual({
        name: 'DeleteConflictException',
        message,
      });
    }
  });

  it("lets Terraform's force_destroy take every credential away, then deletes the user", async () => {
    const user = 'tf-managed';
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(new CreateGroupCommand({ GroupName: 'tf-group' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'tf-group', UserName: user }));
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: user,
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
      }),
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: user,
        PolicyName: 'inline',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    await iam.send(new CreateLoginProfileCommand({ UserName: user, Password: GOOD_PASSWORD }));
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: user, SSHPublicKeyBody: RSA_KEY_2 }));
    await iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: user, ServiceName: 'cassandra.amazonaws.com' }),
    );
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: user }),
    );
    const codes = consecutiveCodes(Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString());
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: user,
        SerialNumber: VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: codes[0],
        AuthenticationCode2: codes[1],
      }),
    );

    // The provider's order: access keys, SSH keys, virtual MFA devices (found through
    // ListVirtualMFADevices, deactivated then deleted), other MFA devices, the login profile,
    // signing certificates, service-specific credentials; then groups and policies.
    for (const key of (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata!) {
      await iam.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.AccessKeyId! }));
    }
    for (const key of (await iam.send(new ListSSHPublicKeysCommand({ UserName: user }))).SSHPublicKeys!) {
      await iam.send(new DeleteSSHPublicKeyCommand({ UserName: user, SSHPublicKeyId: key.SSHPublicKeyId! }));
    }
    for (const device of (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices!) {
      if (device.User?.UserName !== user) continue;
      await iam.send(new DeactivateMFADeviceCommand({ UserName: user, SerialNumber: device.SerialNumber! }));
      await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.SerialNumber! }));
    }
    expect((await iam.send(new ListMFADevicesCommand({ UserName: user }))).MFADevices).toEqual([]);
    await iam.send(new DeleteLoginProfileCommand({ UserName: user }));
    expect((await iam.send(new ListSigningCertificatesCommand({ UserName: user }))).Certificates).toEqual([]);
    for (const c of (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: user })))
      .ServiceSpecificCredentials!) {
      await iam.send(
        new DeleteServiceSpecificCredentialCommand({
          UserName: user,
          ServiceSpecificCredentialId: c.ServiceSpecificCredentialId!,
        }),
      );
    }
    for (const group of (await iam.send(new ListGroupsForUserCommand({ UserName: user }))).Groups!) {
      await iam.send(new RemoveUserFromGroupCommand({ GroupName: group.GroupName!, UserName: user }));
    }
    for (const policy of (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: user })))
      .AttachedPolicies!) {
      await iam.send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: policy.PolicyArn! }));
    }
    for (const name of (await iam.send(new ListUserPoliciesCommand({ UserName: user }))).PolicyNames!) {
      await iam.send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: name }));
    }
    await iam.send(new DeleteUserCommand({ UserName: user }));
    expect(await errorOf(iam.send(new GetLoginProfileCommand({ UserName: user })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it(
    'sets a password, uploads an SSH key, enables an MFA device from its seed file and reads the report',
    { timeout: 180_000 },
    async () => {
      await t.aws(['iam', 'create-user', '--user-name', 'cli-user']);
      const profile = (
        await t.aws([
          'iam',
          'create-login-profile',
          '--user-name',
          'cli-user',
          '--password',
          GOOD_PASSWORD,
          '--password-reset-required',
        ])
      ).json as { LoginProfile: { UserName: string; PasswordResetRequired: boolean } };
      expect(profile.LoginProfile).toMatchObject({ UserName: 'cli-user', PasswordResetRequired: true });
      const key = (
        await t.aws([
          'iam',
          'upload-ssh-public-key',
          '--user-name',
          'cli-user',
          '--ssh-public-key-body',
          RSA_KEY,
        ])
      ).json as { SSHPublicKey: { Fingerprint: string } };
      expect(key.SSHPublicKey.Fingerprint).toBe(RSA_KEY_MD5);

      // The CLI writes the seed to the file it is told to.
      const seedFile = join(t.dataDir, 'cli-mfa-seed.txt');
      const created = (
        await t.aws([
          'iam',
          'create-virtual-mfa-device',
          '--virtual-mfa-device-name',
          'cli-user',
          '--outfile',
          seedFile,
          '--bootstrap-method',
          'Base32StringSeed',
        ])
      ).json as { VirtualMFADevice: { SerialNumber: string } };
      const [code1, code2] = consecutiveCodes((await readFile(seedFile, 'utf8')).trim());
      const qrFile = join(t.dataDir, 'cli-mfa-qr.png');
      await t.aws([
        'iam',
        'create-virtual-mfa-device',
        '--virtual-mfa-device-name',
        'cli-user-qr',
        '--outfile',
        qrFile,
        '--bootstrap-method',
        'QRCodePNG',
      ]);
      expect((await readFile(qrFile)).subarray(1, 4).toString()).toBe('PNG');
      await t.aws([
        'iam',
        'enable-mfa-device',
        '--user-name',
        'cli-user',
        '--serial-number',
        created.VirtualMFADevice.SerialNumber,
        '--authentication-code1',
        code1,
        '--authentication-code2',
        code2,
      ]);
      expect((await t.aws(['iam', 'list-mfa-devices', '--user-name', 'cli-user'])).json).toMatchObject({
        MFADevices: [{ UserName: 'cli-user', SerialNumber: created.VirtualMFADevice.SerialNumber }],
      });
      const credential = (
        await t.aws([
          'iam',
          'create-service-specific-credential',
          '--user-name',
          'cli-user',
          '--service-name',
          'codecommit.amazonaws.com',
        ])
      ).json as { ServiceSpecificCredential: { ServiceUserName: string } };
      expect(credential.ServiceSpecificCredential.ServiceUserName).toBe(`cli-user-at-${ACCOUNT}`);

      // A report is kept four hours (the one above is): eight hours on, the CLI's request makes a new one.
      vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 8 * 3_600_000);
      expect((await t.aws(['iam', 'generate-credential-report'])).json).toMatchObject({ State: 'STARTED' });
      const report = (await t.aws(['iam', 'get-credential-report'])).json as { Content: string };
      const row = Buffer.from(report.Content, 'base64')
        .toString()
        .split('\n')
        .find((r) => r.startsWith('cli-user,'));
      // password_enabled and mfa_active.
      expect(row!.split(',')[3]).toBe('true');
      expect(row!.split(',')[7]).toBe('true');
      vi.restoreAllMocks();
      await expect(t.aws(['iam', 'delete-user', '--user-name', 'cli-user'])).rejects.toThrow(
        /DeleteConflict.*must delete login profile first/s,
      );
    },
  );
});

describe('persistence', () => {
  it('keeps every credential across a restart, with no plaintext password on disk', async () => {
    const password = 'Durable-Password-7';
    await iam.send(new CreateUserCommand({ UserName: 'durable-creds' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'durable-creds', Password: password }));
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'durable-creds', SSHPublicKeyBody: RSA_KEY }));
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'durable-creds' }),
    );
    const seed = Buffer.from(VirtualMFADevice!.Base32StringSeed!).toString();
    const asUser = await clientOf('durable-creds');
    await t.stop();

    const files = await readdir(t.dataDir, { recursive: true, withFileTypes: true });
    for (const file of files.filter((f) => f.isFile())) {
      expect(await readFile(join(file.parentPath, file.name), 'utf8'), file.name).not.toContain(password);
    }

    await t.restart();
    iam.destroy();
    iam = new IAMClient(t.clientConfig);
    expect(
      (await iam.send(new ListSSHPublicKeysCommand({ UserName: 'durable-creds' }))).SSHPublicKeys,
    ).toHaveLength(1);
    const [code1, code2] = consecutiveCodes(seed);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'durable-creds',
        SerialNumber: VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: code1,
        AuthenticationCode2: code2,
      }),
    );
    // The hash still checks the password the user knows.
    const restarted = new IAMClient({ ...t.clientConfig, credentials: await asUser.config.credentials() });
    await restarted.send(
      new ChangePasswordCommand({ OldPassword: password, NewPassword: 'Durable-Password-8' }),
    );
    restarted.destroy();
    asUser.destroy();
  });
});
