// This checkout's configuration, read by `jailbuild …` typed in this directory
// (every key: docs/CONFIG.md). `root` keeps everything inside the checkout, host
// files included: jails, templates, basejails and jail.conf under .jailbuild/
// (.jailbuild/etc/jail.conf.d), the release cache in repos/ (both git-ignored),
// on the dir backend, so the commands work on any machine, with no ZFS pool
// and nothing written to /etc. A FreeBSD host would rather use e.g.
//   dataRoot: '/usr/local/jailbuild', storage: { backend: 'zfs', dataset: 'zroot/jailbuild' }
// (dataRoot moves only jailbuild's data; jail.conf stays in /etc).
import { defineConfig } from 'jailbuild';

export default defineConfig({
  root: './.jailbuild',
  cache: './repos',
  arch: 'amd64',
  mirrors: ['https://download.freebsd.org'],
  storage: { backend: 'dir' },
  defaults: { release: '14.2', template: 'default' },
});
