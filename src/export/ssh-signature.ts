/**
 * SSH signatures over an export's manifest (`ssh-keygen -Y sign -n
 * jailbuild`), so the keys admins already have sign and verify exports; the
 * allowed-signers file (`trustedSigners` in the config) says whose keys count,
 * in ssh-keygen(1)'s ALLOWED SIGNERS format. The namespace `jailbuild` keeps a
 * signature made for something else (git commits, files) from passing.
 */
import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { HostCommandError, HostMissingCommandError } from '../host/host-errors.js';
import { ExportError } from './export-error.js';

export const SIGNATURE_NAMESPACE = 'jailbuild';

function firstLine(error: unknown): string {
  const text = error instanceof HostCommandError ? error.stderr : error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? 'no output';
}

/** The armored signature of `data` made with the private key at `keyPath`. */
export async function signManifest(host: Host, keyPath: string, data: Buffer): Promise<Buffer> {
  try {
    const { stdout } = await host.run('ssh-keygen', ['-q', '-Y', 'sign', '-n', SIGNATURE_NAMESPACE, '-f', keyPath], { input: data });
    if (!stdout.includes('BEGIN SSH SIGNATURE')) throw new Error(`ssh-keygen printed no signature`);
    return Buffer.from(stdout);
  } catch (error) {
    if (error instanceof HostMissingCommandError) throw new ExportError('E_EXPORT_SIGN', 'ssh-keygen is not installed; install OpenSSH (FreeBSD has it in base) or export with --unsigned', { cause: error });
    throw new ExportError('E_EXPORT_SIGN', `cannot sign with ${keyPath}: ${firstLine(error)}; pass a private key readable without a passphrase prompt (--sign-key or signingKey)`, { cause: error, data: { key: keyPath } });
  }
}

/** A private temporary directory on `host`, removed after `fn` (host-owned, never inside a jail). */
async function withTempDir<T>(host: Host, fn: (dir: string) => Promise<T>): Promise<T> {
  const { stdout } = await host.run('sh', ['-c', 'umask 077 && mktemp -d "${TMPDIR:-/tmp}/jailbuild-verify.XXXXXX"']);
  const dir = stdout.trim();
  try {
    return await fn(dir);
  } finally {
    await host.remove(dir);
  }
}

/**
 * Checks `signature` over `data` against the allowed-signers file and returns
 * the principal that signed. Throws `E_IMPORT_SIGNATURE` when the key is not
 * in the file or the signature does not match; nothing is written but a
 * temporary copy of the signature (ssh-keygen reads it from a file).
 */
export async function verifyManifest(host: Host, allowedSigners: string, data: Buffer, signature: Buffer, file: string): Promise<string> {
  if ((await host.stat(allowedSigners)) === undefined) {
    throw new ExportError('E_IMPORT_SIGNERS', `trustedSigners file ${allowedSigners} does not exist; create it (one "<principal> <key type> <public key>" per line, see ssh-keygen(1) ALLOWED SIGNERS)`, { exitCode: 2, data: { trustedSigners: allowedSigners } });
  }
  return withTempDir(host, async (dir) => {
    const sigPath = join(dir, 'manifest.json.sig');
    await host.writeFileAtomic(sigPath, signature.toString('latin1'), 0o600);
    let principals: string[];
    try {
      const found = await host.run('ssh-keygen', ['-Y', 'find-principals', '-s', sigPath, '-f', allowedSigners]);
      principals = found.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    } catch (error) {
      if (error instanceof HostMissingCommandError) throw new ExportError('E_IMPORT_SIGNATURE', 'ssh-keygen is not installed; install OpenSSH to verify exports', { cause: error });
      principals = [];
    }
    if (principals.length === 0) {
      throw new ExportError('E_IMPORT_SIGNATURE', `${file} is signed by a key that is not in ${allowedSigners}; add the signer's public key there if you trust it`, { data: { file, trustedSigners: allowedSigners } });
    }
    for (const principal of principals) {
      const result = await host.run('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', SIGNATURE_NAMESPACE, '-s', sigPath], { input: data, okExitCodes: [0, 1, 255] });
      if (result.exitCode === 0) return principal;
    }
    throw new ExportError('E_IMPORT_SIGNATURE', `${file}: the signature does not match the manifest (the file was changed after signing); get an intact copy or export it again`, { data: { file } });
  });
}
