// Example configuration. jailbuild reads jailbuild.config.{ts,js,json,yaml} from
// the current directory (or --config). Every key is optional; CLI flags win.
import { defineConfig } from 'jailbuild';

export default defineConfig({
  // Where jailbuild's data lives (dir backend, default cache <dataRoot>/repos); host files stay in /etc.
  // `root` instead moves everything, /etc files included, like --root (a sandbox).
  dataRoot: '/usr/local/jailbuild',
  // Keep the release cache in this checkout's git-ignored repos/ folder.
  cache: './repos',
  arch: 'amd64',
  mirrors: ['https://download.freebsd.org'],
  storage: { backend: 'zfs', dataset: 'zroot/jailbuild' },
  jailConf: { dir: '/etc/jail.conf.d', main: '/etc/jail.conf' },
  defaults: { release: '14.2', template: 'default' },
});
