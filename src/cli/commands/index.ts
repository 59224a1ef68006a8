/**
 * The subcommand index. Only the chosen subcommand's module is imported, so
 * `jailbuild --help` and start-up stay fast; the others appear as one-line
 * entries in the help.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';

export interface CommandModule {
  /** Adds arguments, options, help and the action to `command`. */
  register(command: Command, io: CliIo): void;
}

export interface CommandEntry {
  summary: string;
  /** The host files (outside jailbuild's data root) the command reads or writes; `--help` shows it. Paths move under --root / the config's root. */
  hostFiles: string;
  load: () => Promise<CommandModule>;
}

export const commandIndex: Record<string, CommandEntry> = {
  // one line per subcommand, in the order `jailbuild --help` lists them
  demo: { summary: 'demo: synthetic release from a local mirror → bootstrap → jail (dir backend, no FreeBSD needed)', hostFiles: 'none: everything under --root (default: a new temp directory)', load: () => import('./demo.js') },
  fetch: { summary: 'download and verify a release (base.txz, other dists) into the cache', hostFiles: 'none: the release cache only (<root>/repos)', load: () => import('./fetch.js') },
  releases: { summary: 'list cached releases, or with --remote what the mirrors offer', hostFiles: 'none (reads the cache, or the mirrors with --remote)', load: () => import('./releases.js') },
  bootstrap: { summary: 'split a release into a read-only basejail and a writable template (fetches if needed)', hostFiles: 'none: basejail and template under the data root (dir) or dataset (zfs)', load: () => import('./bootstrap.js') },
  create: { summary: 'create a jail: clone the template, write its jail.conf.d file (bootstraps if needed)', hostFiles: 'writes /etc/jail.conf.d/<name>.conf (with --limit/--cpuset: its exec hooks), adds the .include to /etc/jail.conf; --boot: /etc/rc.conf (sysrc -f)', load: () => import('./create.js') },
  list: { summary: 'list jails: state, JID, release, template, IPs, path, backend, origin, limits', hostFiles: 'reads /etc/jail.conf.d/*.conf', load: () => import('./list.js') },
  status: { summary: 'per jail: state, patch level against the newest, health check and its last result; --check runs the checks', hostFiles: 'reads /etc/jail.conf.d/*.conf', load: () => import('./status.js') },
  start: { summary: 'start jails (jail -c with their jail.conf.d file)', hostFiles: 'reads /etc/jail.conf.d/<name>.conf (jail -f)', load: () => import('./start.js') },
  stop: { summary: 'stop jails (jail -r)', hostFiles: 'reads /etc/jail.conf.d/<name>.conf (jail -f)', load: () => import('./stop.js') },
  restart: { summary: 'restart jails (jail -rc)', hostFiles: 'reads /etc/jail.conf.d/<name>.conf (jail -f)', load: () => import('./restart.js') },
  limits: { summary: "show or change a jail's resource limits (rctl rules, cpuset); a running jail changes in place", hostFiles: 'rewrites the exec hooks in /etc/jail.conf.d/<name>.conf; a running jail: rctl -a/-r, cpuset -j (no files)', load: () => import('./limits.js') },
  console: { summary: 'log in to a running jail (jexec -l … login -f root)', hostFiles: 'none', load: () => import('./console.js') },
  destroy: { summary: 'stop and destroy jails: dataset, jail.conf.d file, jail_list entry', hostFiles: 'removes /etc/jail.conf.d/<name>.conf; removes the jail from jail_list in /etc/rc.conf (sysrc -f); rctl -r jail:<name> when it has limits', load: () => import('./destroy.js') },
  network: { summary: 'host networking for jails: network setup [--apply], network graph [--svg file]', hostFiles: 'setup --apply: /etc/rc.conf (sysrc -f), writes /etc/pf.jailbuild.conf, reads /etc/pf.conf; graph: reads /etc/jail.conf.d, writes only the --svg file', load: () => import('./network.js') },
  template: { summary: 'template recipes: build a versioned template (@v<N>) from templates/<name>/, list versions, diff a recipe', hostFiles: 'none: templates under the data root or dataset', load: () => import('./template.js') },
  plan: { summary: 'compare the fleet in jailbuild.config.ts with the hosts: + create, ~ update, - destroy (changes nothing)', hostFiles: 'reads /etc/jail.conf.d and /etc/rc.conf of each host; writes only the --out file', load: () => import('./plan.js') },
  apply: { summary: 'apply the fleet plan (or a saved plan file) in parallel dependency waves, per-jail report', hostFiles: 'on each host, what create and destroy write: /etc/jail.conf.d/<name>.conf, /etc/jail.conf, /etc/rc.conf', load: () => import('./apply.js') },
  upgrade: { summary: 'patch basejails with freebsd-update, or move jails to another release (--release)', hostFiles: '--release: rewrites the mount line in /etc/jail.conf.d/<name>.conf (or the per-jail fstab)', load: () => import('./upgrade.js') },
  prune: { summary: 'list basejails and templates no jail uses any more; --yes destroys them', hostFiles: 'none: basejails and templates under the data root or dataset', load: () => import('./prune.js') },
  export: { summary: 'export a jail or template to a signed file: zfs send or tar of its writable part, compressed, with a manifest', hostFiles: 'writes only the -o file (reads /etc/jail.conf.d/<name>.conf)', load: () => import('./export.js') },
  import: { summary: 'import a jail or template from an export file after checking its signature and payload hash', hostFiles: 'writes /etc/jail.conf.d/<name>.conf and the .include in /etc/jail.conf (as create)', load: () => import('./import.js') },
  migrate: { summary: 'move a jail to another host with its data (zfs send while it runs, short stop, final send; or export/import)', hostFiles: 'on the target: /etc/jail.conf.d/<name>.conf and /etc/jail.conf; here: what destroy removes (unless --keep)', load: () => import('./migrate.js') },
  completion: { summary: 'print a bash or zsh completion script (eval "$(jailbuild completion bash)")', hostFiles: 'none: prints to stdout', load: () => import('./completion.js') },
};
