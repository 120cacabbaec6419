/**
 * Certificates for HTTPS tests: a throwaway CA and server certificates it signs, made by the
 * system's openssl (Debian and the CI image have it; node:crypto can check certificates but not
 * issue them, and this avoids a dependency for test material only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  certificate: string;
  privateKey: string;
}

export interface TestPki {
  /** The CA's certificate (what a client trusts). */
  ca: string;
  /** A server certificate for `names` (the first is also its CN), signed by the CA. */
  issue(names: string[], keyType?: keyof typeof KEY_ARGS): Issued;
  dispose(): void;
}

const KEY_ARGS = {
  rsa: ['-newkey', 'rsa:2048'],
  /** Too small for OpenSSL's default security level: a certificate a TLS server refuses to use. */
  'weak-rsa': ['-newkey', 'rsa:512'],
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
} as const;

export function testPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-pki-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    ...KEY_ARGS.rsa,
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=devkit test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let serial = 0;
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(names, keyType = 'rsa') {
      const n = ++serial;
      writeFileSync(
        join(dir, `${n}.ext`),
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
      );
      openssl([
        'req',
        ...KEY_ARGS[keyType],
        '-nodes',
        '-keyout',
        `${n}.key`,
        '-out',
        `${n}.csr`,
        '-subj',
        `/CN=${names[0]}`,
      ]);
      openssl([
        'x509',
        '-req',
        '-in',
        `${n}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(1000 + n),
        '-out',
        `${n}.pem`,
        '-days',
        '2',
        '-extfile',
        `${n}.ext`,
      ]);
      return {
        certificate: readFileSync(join(dir, `${n}.pem`), 'utf8'),
        privateKey: readFileSync(join(dir, `${n}.key`), 'utf8'),
      };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
