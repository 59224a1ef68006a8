import assert from 'node:assert/strict';
import { it } from 'node:test';
import { HostCommandError, HostMissingCommandError } from '../../src/host/index.js';
import { classifyZfsFailure, type ZfsFailureKind } from '../../src/storage/index.js';

// stderr as printed by zfs-fuse 0.7 on Debian 12 (captured) and by FreeBSD 14's OpenZFS.
const cases: [why: string, stderr: string, kind: ZfsFailureKind, clones?: string[]][] = [
  ['destroy/list/rollback of a missing dataset or snapshot', "cannot open 'p/jails/zz': dataset does not exist\n", 'missing'],
  ['create or clone below a missing parent', "cannot create 'p/jails/nop/x': parent does not exist\n", 'parent-missing'],
  ['create of an existing dataset', "cannot create 'p/jails/a': dataset already exists\n", 'exists'],
  ['snapshot that exists', "cannot create snapshot 'p/jails/a@s1': dataset already exists\n", 'exists'],
  ['zfs-fuse transient busy after use', "cannot destroy 'p/jails/b': dataset is busy\n", 'busy'],
  ['zfs-fuse: a process holds a file open', "umount: /m/a: target is busy.\ncannot unmount '/m/a': umount failed: umount child process failed\n", 'busy'],
  ['FreeBSD: a jail still runs in it', "cannot unmount '/usr/local/jailbuild/jails/web1': Device busy\n", 'busy'],
  ['zfs-fuse: rename of a mounted filesystem', "cannot rename 'p/jails/b': dataset is busy\n", 'busy'],
  [
    'destroy of a dataset with clones names them',
    "cannot destroy 'p/templates/t': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\np/jails/c1\np/jails/c2\n",
    'clones',
    ['p/jails/c1', 'p/jails/c2'],
  ],
  ['anything else', "internal error: failed to initialize ZFS library\n", 'other'],
];

for (const [why, stderr, kind, clones] of cases) {
  it(`classifies: ${why}`, () => {
    const failure = classifyZfsFailure(new HostCommandError(['zfs', 'x'], 1, stderr, 'local'));
    assert.equal(failure?.kind, kind);
    assert.equal(failure?.line, stderr.split('\n')[0]?.trim());
    assert.deepEqual(failure?.clones, clones ?? []);
  });
}

it('leaves errors that are not a zfs exit alone', () => {
  assert.equal(classifyZfsFailure(new HostMissingCommandError('zfs', 'local')), undefined);
  assert.equal(classifyZfsFailure(new Error('boom')), undefined);
});
