/**
 * `Beneath` on an ssh host (see `beneath.ts` for the rules): one remote sh
 * script per operation. The script `cd -P`s to the root, then walks the
 * components one at a time — refusing a symlink (`[ -L ]`), a FIFO, socket or
 * device, a file where a directory is expected — and after each `cd -P`
 * checks that `pwd -P` is still under the root's physical path. The final
 * name is then used relative to that working directory, which the shell holds
 * open, so the parents cannot be redirected afterwards. Paths and names reach
 * the script as positional arguments ("$1"), never as script text.
 *
 * Residual race (no openat or O_NOFOLLOW in sh): between the script's check of
 * the final name and the command that uses it, a process inside the jail can
 * swap that one name. Writes stay safe (mktemp + `mv -T`/`mv -h` replace the
 * name itself, `rm -rf` and `ln -sn` never follow it); `cat`/`od` of a read and
 * GNU chmod (Linux has no `chmod -h`) would follow a link swapped in during
 * that window. rename names its source by the physical path of the checked
 * parent, which is resolved again. FreeBSD hosts use `chmod -h`, so there
 * chmod/chown never follow.
 *
 * `packTree`/`unpackTree` are one remote command for a whole tree: the same
 * walk, then tar in the walked directory, the stream checked here as it
 * passes (`beneath-tree-stream.ts`, which states their residual race).
 */
import {
  BeneathIoError,
  UnsafePathError,
  splitBeneath,
  typeOfMode,
  type Beneath,
  type BeneathReadOptions,
  type BeneathStat,
  type BeneathVerb,
  type BeneathWriteOptions,
  type BeneathPackedTree,
  type BeneathPackOptions,
  type BeneathUnpackResult,
} from './beneath.js';
import type { Readable } from 'node:stream';
import type { RunOptions, RunResult } from './host.js';
import { ABSENT, START, WALK, finalCheck, refusalOf } from './beneath-script.js';
import { packTreeBeneath, unpackTreeBeneath, type StreamScript } from './beneath-tree-stream.js';

/** Runs `sh -c script sh args…` on the remote host; every exit code comes back. */
export type RemoteScript = (script: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

interface Flavor {
  stat: string;
  nlink: string;
  mv: string;
  chmod: string;
}

const GNU: Flavor = { stat: `stat -c '%f %s %u %g %h %Y %d %i'`, nlink: 'stat -c %h', mv: 'mv -f -T', chmod: 'chmod' };
const BSD: Flavor = { stat: `stat -f '%Xp %z %u %g %l %m %d %i'`, nlink: 'stat -f %l', mv: 'mv -f -h', chmod: 'chmod -h' };

export class SshBeneath implements Beneath {
  constructor(
    readonly root: string,
    readonly hostName: string,
    private readonly script: RemoteScript,
    private readonly platform: () => Promise<string>,
    private readonly stream: StreamScript,
  ) {}

  async #flavor(): Promise<Flavor> {
    return (await this.platform()) === 'linux' ? GNU : BSD;
  }

  #full(rel: string): string {
    return rel === '' ? this.root : `${this.root.replace(/\/+$/, '')}/${rel}`;
  }

  /** Runs one script; exit 4 → UnsafePathError, other failures → BeneathIoError. Returns undefined for ABSENT. */
  async #run(verb: BeneathVerb, rels: readonly string[], body: string, args: readonly string[], input?: string | Uint8Array): Promise<RunResult | undefined> {
    const flavor = await this.#flavor();
    const script = `${START}${finalCheck(flavor.nlink)}; ${body}`;
    const result = await this.script(script, [this.root, ...args], input === undefined ? {} : { input });
    if (result.exitCode === 0) return result;
    if (result.exitCode === ABSENT) return undefined;
    const rel = rels[0] ?? '';
    const refusal = refusalOf(this.root, rels, verb, result.exitCode, result.stderr);
    if (refusal !== undefined) throw refusal;
    const first = result.stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? `exit ${result.exitCode}`;
    throw new BeneathIoError(undefined, `${this.#full(rel)} on ${this.hostName}`, verb, new Error(first));
  }

  /** Arguments that walk to the parent of `rel` and name its last component: [n, c1…cn, final]. */
  #parentArgs(rel: string, verb: BeneathVerb): string[] {
    const parts = splitBeneath(this.root, rel, verb);
    if (parts.length === 0) throw new UnsafePathError(this.root, rel, rel, 'bad-name', verb);
    return [String(parts.length - 1), ...parts.slice(0, -1), parts[parts.length - 1] as string];
  }

  #absent(rel: string, verb: BeneathVerb, what = 'its directory does not exist'): BeneathIoError {
    return new BeneathIoError('ENOENT', this.#full(rel), verb, new Error(`ENOENT: ${what}`));
  }

  async lstat(rel: string): Promise<BeneathStat | undefined> {
    const flavor = await this.#flavor();
    const parts = splitBeneath(this.root, rel, 'stat');
    const args = parts.length === 0 ? ['0', '.'] : this.#parentArgs(rel, 'stat');
    const result = await this.#run('stat', [rel], `${WALK}; f=$1; [ -e "./$f" ] || [ -L "./$f" ] || exit ${ABSENT}; exec ${flavor.stat} -- "./$f"`, args);
    if (result === undefined) return undefined;
    const [modeHex, size, uid, gid, nlink, mtime, dev, ino] = result.stdout.trim().split(' ');
    const mode = Number.parseInt(modeHex ?? '', 16);
    return {
      type: typeOfMode(mode),
      size: Number(size),
      mode: mode & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      nlink: Number(nlink),
      mtimeMs: Number(mtime) * 1000,
      dev: Number(dev),
      ino: Number(ino),
    };
  }

  async readFile(rel: string, options: BeneathReadOptions = {}): Promise<Buffer | undefined> {
    // od keeps the bytes intact through the text channel: ssh's stdout comes back decoded as UTF-8.
    const body = `want=file; hard=${options.refuseHardLinks ? 1 : 0}; ${WALK}; f=$1; [ -e "./$f" ] || [ -L "./$f" ] || exit ${ABSENT}; final; exec od -An -v -tx1 -- "./$f"`;
    const result = await this.#run('read', [rel], body, this.#parentArgs(rel, 'read'));
    if (result === undefined) return undefined;
    const hex = result.stdout.replace(/\s+/g, '');
    return Buffer.from(hex, 'hex');
  }

  async readText(rel: string, options: BeneathReadOptions = {}): Promise<string | undefined> {
    return (await this.readFile(rel, options))?.toString('utf8');
  }

  async readdir(rel: string): Promise<string[]> {
    const parts = splitBeneath(this.root, rel, 'list');
    // NUL-separated so any file name survives; . and .. skipped.
    const body = `${WALK}; for f in .* *; do [ -e "$f" ] || [ -L "$f" ] || continue; case $f in .|..) continue;; esac; printf '%s\\0' "$f"; done`;
    const result = await this.#run('list', [rel], body, [String(parts.length), ...parts]);
    if (result === undefined) return [];
    return result.stdout.split('\0').filter((name) => name !== '').sort();
  }

  async readlink(rel: string): Promise<string> {
    const body = `${WALK}; f=$1; [ -L "./$f" ] || { echo "EINVAL: not a symlink" >&2; exit 1; }; exec readlink -- "./$f"`;
    const result = await this.#run('read the link', [rel], body, this.#parentArgs(rel, 'read the link'));
    if (result === undefined) throw this.#absent(rel, 'read the link');
    return result.stdout.replace(/\n$/, '');
  }

  async writeFile(rel: string, data: string | Uint8Array, options: BeneathWriteOptions = {}): Promise<void> {
    const flavor = await this.#flavor();
    // mktemp in the target directory keeps the rename on one filesystem; mv -T/-h replaces the name itself, even a link.
    const body =
      `mode=$1; uid=$2; gid=$3; shift 3; ${WALK}; f=$1; want=file; hard=0; ` +
      `if [ -e "./$f" ] || [ -L "./$f" ]; then final; fi; ` +
      `t=$(mktemp "./.jailbuild-XXXXXX") || exit 1; ` +
      `if cat > "$t" && chmod "$mode" "$t" && { [ -z "$uid" ] || chown "$uid" "$t"; } && { [ -z "$gid" ] || chgrp "$gid" "$t"; } && ${flavor.mv} -- "$t" "./$f"; then exit 0; fi; ` +
      `rm -f -- "$t"; exit 1`;
    const args = [(options.mode ?? 0o644).toString(8), options.uid === undefined ? '' : String(options.uid), options.gid === undefined ? '' : String(options.gid), ...this.#parentArgs(rel, 'write')];
    if ((await this.#run('write', [rel], body, args, data)) === undefined) throw this.#absent(rel, 'write');
  }

  async mkdir(rel: string, options: { mode?: number; recursive?: boolean } = {}): Promise<void> {
    const verb = 'create the directory';
    const recursive = options.recursive ?? true;
    const mode = (options.mode ?? 0o755).toString(8);
    const parts = splitBeneath(this.root, rel, verb);
    if (parts.length === 0) {
      if (recursive) return;
      throw new BeneathIoError('EEXIST', this.root, verb, new Error('EEXIST: file already exists'));
    }
    const body = recursive
      ? `create=$1; shift; ${WALK}`
      : `mode=$1; shift; ${WALK}; f=$1; if [ -L "./$f" ]; then refuse 1 last final-symlink -; fi; ` +
        `if [ -e "./$f" ]; then echo "EEXIST: file already exists" >&2; exit 1; fi; exec mkdir -m "$mode" -- "./$f"`;
    const args = recursive ? [mode, String(parts.length), ...parts] : [mode, ...this.#parentArgs(rel, verb)];
    if ((await this.#run(verb, [rel], body, args)) === undefined) throw this.#absent(rel, verb);
  }

  async remove(rel: string): Promise<void> {
    // rm -rf never follows a link, neither the name itself nor anything below it.
    const body = `${WALK}; f=$1; [ -e "./$f" ] || [ -L "./$f" ] || exit 0; exec rm -rf -- "./$f"`;
    await this.#run('remove', [rel], body, this.#parentArgs(rel, 'remove'));
  }

  async rename(fromRel: string, toRel: string): Promise<void> {
    const flavor = await this.#flavor();
    const body =
      `${WALK}; src="$(pwd -P)/$1"; shift; [ -e "$src" ] || [ -L "$src" ] || { echo "ENOENT: no such file or directory" >&2; exit 1; }; ` +
      `w=2; cd -P -- "$top/" || exit 1; ${WALK}; f=$1; ` +
      // rename(2) replaces an empty directory; mv would move into it instead.
      `if [ -d "./$f" ] && [ ! -L "./$f" ]; then rmdir -- "./$f" || exit 1; fi; exec ${flavor.mv} -- "$src" "./$f"`;
    const args = [...this.#parentArgs(fromRel, 'rename'), ...this.#parentArgs(toRel, 'rename')];
    if ((await this.#run('rename', [fromRel, toRel], body, args)) === undefined) throw this.#absent(fromRel, 'rename');
  }

  async #onEntry(rel: string, verb: BeneathVerb, command: string, value: string): Promise<void> {
    const parts = splitBeneath(this.root, rel, verb);
    const args = parts.length === 0 ? ['0', '.'] : this.#parentArgs(rel, verb);
    const body = `v=$1; shift; ${WALK}; f=$1; [ -e "./$f" ] || [ -L "./$f" ] || { echo "ENOENT: no such file or directory" >&2; exit 1; }; want=any; hard=1; final; exec ${command} -- "$v" "./$f"`;
    if ((await this.#run(verb, [rel], body, [value, ...args])) === undefined) throw this.#absent(rel, verb);
  }

  async chmod(rel: string, mode: number): Promise<void> {
    await this.#onEntry(rel, 'chmod', (await this.#flavor()).chmod, mode.toString(8));
  }

  async chown(rel: string, uid: number, gid: number): Promise<void> {
    await this.#onEntry(rel, 'chown', 'chown -h', `${uid}:${gid}`);
  }

  /** One remote command for the whole tree: the walk, then tar in the walked directory (beneath-tree-stream.ts). */
  packTree(rel: string, options: BeneathPackOptions = {}): BeneathPackedTree {
    return packTreeBeneath({ root: this.root, hostName: this.hostName, spawn: this.stream }, rel, options);
  }

  unpackTree(rel: string, source: Readable): Promise<BeneathUnpackResult> {
    return unpackTreeBeneath({ root: this.root, hostName: this.hostName, spawn: this.stream }, rel, source);
  }

  async symlink(target: string, rel: string): Promise<void> {
    const body = `t=$1; shift; ${WALK}; f=$1; if [ -e "./$f" ] || [ -L "./$f" ]; then echo "EEXIST: file already exists" >&2; exit 1; fi; exec ln -sn -- "$t" "./$f"`;
    if ((await this.#run('create the symlink', [rel], body, [target, ...this.#parentArgs(rel, 'create the symlink')])) === undefined) {
      throw this.#absent(rel, 'create the symlink');
    }
  }
}
