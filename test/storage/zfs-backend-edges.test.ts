/**
 * ZfsBackend edge cases against real ZFS (zfs-fuse, file-backed pool from
 * test/helpers/zfs-pool.ts), beyond the shared storage suite and
 * zfs-backend.test.ts: parents zfs cannot serve, a backend without a
 * mountpoint, datasets without one, the `jailbuild:keys` index when no key is
 * known in advance, clones into new parents, property values at zfs's byte
 * limit, and races with another actor: a rename that loses after zfs-fuse made
 * it unmount, a dataset destroyed or made while the backend was between steps.
 * Skips with a printed reason where zfs-fuse cannot run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostMissingCommandError, LocalHost, type RunOptions, type RunResult } from '../../src/host/index.js';
import { ZfsBackend } from '../../src/storage/zfs-backend.js';
import { classifyZfsFailure } from '../../src/storage/zfs-failure.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';
import { RecordingHost } from './recording-host.js';

const host = new LocalHost();

function hasCode(code: string, messagePart?: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, String(error));
    if (messagePart !== undefined) assert.match((error as Error).message, messagePart);
    assert.doesNotMatch((error as Error).message, /\n/, 'errors are one line');
    return true;
  };
}

async function zfsValue(property: string, full: string): Promise<string> {
  return (await host.run('zfs', ['get', '-H', '-o', 'value', property, full])).stdout.trim();
}

/** Another actor's zfs command, retried while zfs-fuse answers busy, as the backend itself does. */
async function actor(args: readonly string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await host.run('zfs', args);
      return;
    } catch (error) {
      if (attempt >= 6 || classifyZfsFailure(error)?.kind !== 'busy') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** The real LocalHost; after the first successful zfs call `when` matches, another actor's `race` runs. */
class ActorHost extends RecordingHost {
  pending: Array<{ when: (args: readonly string[]) => boolean; race: () => Promise<unknown> }> = [];
  override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    const result = await super.run(command, args, options);
    const at = command === 'zfs' ? this.pending.findIndex((p) => p.when(args)) : -1;
    if (at !== -1) await this.pending.splice(at, 1)[0]?.race();
    return result;
  }
}

describe('zfs backend edges', () => {
  let pool: ZfsPool | undefined;
  let skip = 'setup failed';
  before(async () => {
    const result = await createZfsPool();
    if ('skip' in result) {
      skip = result.skip;
      console.log(`# zfs backend edges: skipped: ${skip}`);
    } else pool = result;
  });
  after(async () => {
    await pool?.destroy();
  });
  const test = (name: string, body: (pool: ZfsPool) => Promise<void>) =>
    it(name, async (ctx) => {
      if (pool === undefined) {
        ctx.skip(skip);
        return;
      }
      await body(pool);
    });

  test('open refuses a parent without a mountpoint path, and a name zfs rejects, each with the fix', async ({ dataset }) => {
    await host.run('zfs', ['create', '-o', 'mountpoint=none', `${dataset}/unmounted`]);
    await host.run('zfs', ['create', '-o', 'mountpoint=legacy', `${dataset}/legacy`]);
    for (const child of ['unmounted', 'legacy']) {
      await assert.rejects(
        ZfsBackend.open(host, { dataset: `${dataset}/${child}/` }),
        hasCode('E_STORAGE_PARENT_MISSING', new RegExp(`zfs set mountpoint=/<path> ${dataset}/${child}\``)),
      );
    }
    // zfs says "invalid dataset name": not "missing", so the zfs line is passed on with where to look.
    await assert.rejects(ZfsBackend.open(host, { dataset: `${dataset}//double` }), hasCode('E_STORAGE_ZFS', /zfs list .*invalid dataset name; check `zfs list -t all -r/));
  });

  test('open without zfs on PATH is a missing-command error with the install hint', async ({ dataset }) => {
    const empty = await mkdtemp(join(tmpdir(), 'jb-nozfs-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await assert.rejects(ZfsBackend.open(host, { dataset }), (error: unknown) => {
        assert.ok(error instanceof HostMissingCommandError, String(error));
        assert.match(error.message, /zfs: command not found on local; .*zfs-fuse/);
        return true;
      });
    } finally {
      process.env.PATH = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('a backend built without a mountpoint still lists what zfs reports, but pathOf says how to build it', async ({ dataset, mountRoot }) => {
    const opened = await ZfsBackend.open(host, { dataset });
    await opened.create('jails/np1', { release: '14.2-RELEASE' });
    const bare = new ZfsBackend(host, { dataset: `${dataset}/` });
    assert.equal(bare.dataset, dataset);
    assert.throws(() => bare.pathOf('jails/np1'), hasCode('E_STORAGE_ZFS', /ZfsBackend\.open\(\)/));
    const info = await bare.get('jails/np1');
    assert.equal(info?.path, join(mountRoot, 'jailbuild/jails/np1'));
    assert.equal(info?.properties.release, '14.2-RELEASE');
    assert.deepEqual((await bare.list('')).map((d) => d.name), (await opened.list('')).map((d) => d.name));
  });

  test('a dataset with mountpoint=none is shown at the path it would have; without a known mountpoint as zfs says', async ({ dataset }) => {
    const backend = await ZfsBackend.open(host, { dataset });
    await backend.create('staging');
    await host.run('zfs', ['create', '-o', 'mountpoint=none', `${dataset}/staging/nomount`]);
    assert.equal((await backend.get('staging/nomount'))?.path, backend.pathOf('staging/nomount'));
    assert.equal((await new ZfsBackend(host, { dataset }).get('staging/nomount'))?.path, 'none');
  });

  test('with no keys known in advance, the keys index brings every property in one extra listing, then none', async ({ dataset }) => {
    const writer = await ZfsBackend.open(host, { dataset });
    await writer.create('idx/a', { alpha: '1', release: '14.2-RELEASE' });
    await writer.create('idx/b', { beta: '-', gamma: 'x y,z' });
    await writer.create('idx/c');
    const recorder = new RecordingHost();
    const reader = await ZfsBackend.open(recorder, { dataset, propertyKeys: [] });
    recorder.calls.length = 0;
    const first = await reader.list('idx');
    assert.equal(recorder.callsOf('zfs', 'list').length, 2, 'one listing plus one for the keys found in the index');
    assert.deepEqual(
      first.map((d) => [d.name, d.properties]),
      [
        ['idx/a', { alpha: '1', release: '14.2-RELEASE' }],
        // a literal '-' is a value because the index names the key
        ['idx/b', { beta: '-', gamma: 'x y,z' }],
        ['idx/c', {}],
      ],
    );
    recorder.calls.length = 0;
    assert.deepEqual(await reader.list('idx'), first);
    assert.equal(recorder.callsOf('zfs', 'list').length, 1, 'known keys are columns now');
    // setProperties keeps the index sorted and complete, so another reader finds the new key too.
    await reader.setProperties('idx/c', { zeta: 'last', alpha: 'first' });
    assert.equal(await zfsValue('jailbuild:keys', `${dataset}/idx/c`), 'alpha,zeta');
    const other = await ZfsBackend.open(host, { dataset, propertyKeys: [] });
    assert.deepEqual((await other.get('idx/c'))?.properties, { alpha: 'first', zeta: 'last' });
    assert.deepEqual(await other.list('idx/none'), []);
    assert.equal(await other.get('idx/none'), undefined);
  });

  test('clone with properties into parents that do not exist yet; the clone keeps its origin and only its own properties', async ({ dataset }) => {
    const recorder = new RecordingHost();
    const backend = await ZfsBackend.open(recorder, { dataset });
    await backend.create('templates/src', { release: '14.2-RELEASE', template: 'src' });
    await writeFile(join(backend.pathOf('templates/src'), 'file'), 'from template');
    await backend.snapshot('templates/src', 'base');
    recorder.calls.length = 0;
    await backend.clone('templates/src', 'base', 'groups/g1/jails/c1', { jail: 'c1', note: 'ünïcode ok' });
    // The first try fails on the missing parent, which is created with -p, then the clone goes through.
    assert.deepEqual(
      recorder.callsOf('zfs').map((argv) => argv[1]),
      ['clone', 'create', 'clone'],
    );
    assert.deepEqual(recorder.callsOf('zfs', 'create')[0], ['zfs', 'create', '-p', `${dataset}/groups/g1/jails`]);
    const info = await backend.get('groups/g1/jails/c1');
    assert.equal(info?.origin, 'templates/src@base');
    assert.deepEqual(info?.properties, { jail: 'c1', note: 'ünïcode ok' });
    assert.equal(await readFile(join(info?.path ?? '', 'file'), 'utf8'), 'from template');
    // Snapshots of the clone are its own; rollback to one of them works on the clone alone.
    await backend.snapshot('groups/g1/jails/c1', 'before');
    await writeFile(join(backend.pathOf('groups/g1/jails/c1'), 'file'), 'changed');
    await backend.rollback('groups/g1/jails/c1', 'before');
    assert.equal(await readFile(join(backend.pathOf('groups/g1/jails/c1'), 'file'), 'utf8'), 'from template');
    assert.deepEqual(await backend.listSnapshots('groups/g1/jails/c1'), ['before']);
    assert.deepEqual(await backend.listSnapshots('templates/src'), ['base']);
    await assert.rejects(backend.listSnapshots('groups/none'), hasCode('E_STORAGE_NOT_FOUND', /groups\/none/));
    await assert.rejects(backend.rollback('groups/none', 'before'), hasCode('E_STORAGE_SNAPSHOT_NOT_FOUND', /groups\/none@before/));
    await backend.destroySnapshot('groups/g1/jails/c1', 'before');
    assert.deepEqual(await backend.listSnapshots('groups/g1/jails/c1'), []);
  });

  test('promote frees the origin of its clone, so the origin can go; not a clone, absent, or a name zfs refuses: the zfs line or "absent"', async ({ dataset }) => {
    const backend = await ZfsBackend.open(host, { dataset });
    await backend.create('prom/old', { release: '14.1-RELEASE' });
    await writeFile(join(backend.pathOf('prom/old'), 'file'), 'old');
    await backend.snapshot('prom/old', 'base');
    await backend.clone('prom/old', 'base', 'prom/jail', { jail: 'j' });
    await assert.rejects(backend.destroy('prom/old'), hasCode('E_STORAGE_HAS_CLONES', /prom\/jail/));
    // What prune does before it removes an old basejail or template that jails still come from.
    await backend.promote('prom/jail');
    assert.equal((await backend.get('prom/jail'))?.origin, undefined);
    assert.equal((await backend.get('prom/old'))?.origin, 'prom/jail@base');
    assert.deepEqual([await backend.listSnapshots('prom/jail'), await backend.listSnapshots('prom/old')], [['base'], []]);
    await backend.destroy('prom/old');
    assert.equal(await readFile(join(backend.pathOf('prom/jail'), 'file'), 'utf8'), 'old');
    assert.deepEqual((await backend.get('prom/jail'))?.properties, { jail: 'j' });
    await assert.rejects(backend.promote('prom/jail'), hasCode('E_STORAGE_ZFS', new RegExp(`^zfs promote ${dataset}/prom/jail failed: .+; check`)));
    await assert.rejects(backend.promote('prom/none'), hasCode('E_STORAGE_NOT_FOUND', /prom\/none does not exist/));
    // A parent zfs refuses as a name: its line is passed on, never taken for "absent".
    await assert.rejects(new ZfsBackend(host, { dataset: `${dataset}//bad` }).get('x'), hasCode('E_STORAGE_ZFS', /zfs list .*invalid dataset name/));
  });

  test('property values are limited in bytes, as zfs limits them: 8000 bytes of é are kept, 8002 refused before zfs runs', async ({ dataset }) => {
    const recorder = new RecordingHost();
    const backend = await ZfsBackend.open(recorder, { dataset });
    await backend.create('props/p1');
    const fits = 'é'.repeat(4000);
    await backend.setProperties('props/p1', { long: fits });
    assert.equal((await backend.get('props/p1'))?.properties.long, fits);
    recorder.calls.length = 0;
    await assert.rejects(backend.setProperties('props/p1', { long: `${fits}é` }), hasCode('E_STORAGE_BAD_PROPERTY', /at most 8000 bytes/));
    await assert.rejects(backend.create('props/p2', { long: `${fits}é` }), hasCode('E_STORAGE_BAD_PROPERTY'));
    assert.deepEqual(recorder.calls, [], 'refused before any zfs command');
    assert.equal(await backend.exists('props/p2'), false);
    await assert.rejects(backend.setReadonly('props/none', true), hasCode('E_STORAGE_NOT_FOUND', /props\/none/));
  });

  test('a rename that fails after zfs-fuse made it unmount puts the old mount back', async ({ dataset }) => {
    // Another actor creates the target while the backend has the source unmounted (zfs-fuse
    // cannot rename a mounted filesystem): the rename then fails "already exists".
    class RacingHost extends RecordingHost {
      race: (() => Promise<unknown>) | undefined;
      override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
        const result = await super.run(command, args, options);
        const race = this.race;
        if (command === 'zfs' && args[0] === 'umount' && race !== undefined) {
          this.race = undefined;
          await race();
        }
        return result;
      }
    }
    const recorder = new RacingHost();
    const backend = await ZfsBackend.open(recorder, { dataset });
    await backend.create('race/src', { release: '14.2-RELEASE' });
    await writeFile(join(backend.pathOf('race/src'), 'marker'), 'src');
    recorder.race = () => host.run('zfs', ['create', `${dataset}/race/dst`]);
    recorder.calls.length = 0;
    const renamed = await backend.rename('race/src', 'race/dst').then(
      () => true,
      (error: unknown) => !hasCode('E_STORAGE_EXISTS', new RegExp(`${dataset}/race/dst already exists`))(error),
    );
    const verbs = recorder.callsOf('zfs').map((argv) => argv[1]);
    console.log(`# zfs: racing rename ran: ${verbs.join(' ')}`);
    if (!verbs.includes('umount')) {
      // FreeBSD renames a mounted filesystem at once: no unmount, no race to lose.
      assert.equal(renamed, true);
      assert.equal(await backend.exists('race/dst'), true);
      return;
    }
    assert.equal(renamed, false, 'the rename lost the race');
    assert.deepEqual(verbs.slice(verbs.indexOf('umount')), ['umount', 'rename', 'mount']);
    assert.equal(await zfsValue('mounted', `${dataset}/race/src`), 'yes');
    assert.equal(await readFile(join(backend.pathOf('race/src'), 'marker'), 'utf8'), 'src');
    assert.equal((await backend.get('race/src'))?.properties.release, '14.2-RELEASE');
  });

  test('a get or list whose dataset is destroyed between its two listings is absent; a target made while its parent was made is "exists"; an unmount done by someone else is named', async ({ dataset }) => {
    const writer = await ZfsBackend.open(host, { dataset });
    await writer.create('gone/g1', { rare: 'only-here' });
    await writer.create('gone2/g2', { rare2: 'x' });
    const racing = new ActorHost();
    // No keys known: the index names `rare`, so a second listing follows the first; the dataset goes in between.
    const reader = await ZfsBackend.open(racing, { dataset, propertyKeys: [] });
    const destroyAfterList = (target: string) => ({
      when: (args: readonly string[]) => args[0] === 'list' && args.at(-1) === `${dataset}/${target}`,
      // The backend's destroy: it rides out zfs-fuse's busy moment right after the listing.
      race: () => writer.destroy(target),
    });
    racing.pending.push(destroyAfterList('gone/g1'));
    assert.equal(await reader.get('gone/g1'), undefined);
    racing.pending.push(destroyAfterList('gone2'));
    assert.deepEqual(await reader.list('gone2'), []);
    assert.equal(racing.pending.length, 0, 'both races ran');

    // The parent is missing: the backend makes it with -p and tries again; meanwhile another run made the target.
    racing.pending.push({
      when: (args) => args[0] === 'create' && args[1] === '-p',
      race: () => actor(['create', `${dataset}/made/m1/leaf`]),
    });
    await assert.rejects(reader.create('made/m1/leaf', { release: '14.2-RELEASE' }), hasCode('E_STORAGE_EXISTS', new RegExp(`^${dataset}/made/m1/leaf already exists; destroy it first`)));
    assert.deepEqual((await reader.get('made/m1/leaf'))?.properties, {}, 'the other run\'s dataset is left as it was');

    // zfs-fuse renames by unmount, rename, mount; someone else unmounts the source first.
    await writer.create('rr/src');
    racing.pending.push({
      when: (args) => args[0] === 'get' && args.includes('mounted'),
      race: () => actor(['umount', `${dataset}/rr/src`]),
    });
    racing.calls.length = 0;
    const outcome = await reader.rename('rr/src', 'rr/dst').then(
      () => 'renamed',
      (error: unknown) => (hasCode('E_STORAGE_ZFS', new RegExp(`^zfs umount ${dataset}/rr/src failed: .+; check \`zfs list -t all -r ${dataset}/rr/src\``))(error), 'refused'),
    );
    const verbs = racing.callsOf('zfs').map((argv) => argv[1]);
    console.log(`# zfs: rename with the source unmounted by another actor: ${verbs.join(' ')} -> ${outcome}`);
    if (!verbs.includes('umount')) {
      // FreeBSD renames a mounted filesystem at once: no unmount, nothing to race with.
      assert.equal(outcome, 'renamed');
      return;
    }
    assert.equal(outcome, 'refused');
    assert.equal(await reader.exists('rr/src'), true);
    assert.equal(await reader.exists('rr/dst'), false);
  });
});
