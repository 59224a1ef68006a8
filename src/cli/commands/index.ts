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
  load: () => Promise<CommandModule>;
}

export const commandIndex: Record<string, CommandEntry> = {
  // one line per subcommand, in the order `jailbuild --help` lists them
  demo: { summary: 'demo: synthetic release from a local mirror → bootstrap → jail (dir backend, no FreeBSD needed)', load: () => import('./demo.js') },
  fetch: { summary: 'download and verify a release (base.txz, other dists) into the cache', load: () => import('./fetch.js') },
  releases: { summary: 'list cached releases, or with --remote what the mirrors offer', load: () => import('./releases.js') },
  bootstrap: { summary: 'split a release into a read-only basejail and a writable template (fetches if needed)', load: () => import('./bootstrap.js') },
  create: { summary: 'create a jail: clone the template, write its jail.conf.d file (bootstraps if needed)', load: () => import('./create.js') },
  list: { summary: 'list jails: state, JID, release, template, IPs, path, backend, origin', load: () => import('./list.js') },
  start: { summary: 'start jails (jail -c with their jail.conf.d file)', load: () => import('./start.js') },
  stop: { summary: 'stop jails (jail -r)', load: () => import('./stop.js') },
  restart: { summary: 'restart jails (jail -rc)', load: () => import('./restart.js') },
  console: { summary: 'log in to a running jail (jexec -l … login -f root)', load: () => import('./console.js') },
  destroy: { summary: 'stop and destroy jails: dataset, jail.conf.d file, jail_list entry', load: () => import('./destroy.js') },
  network: { summary: 'host networking for jails: network setup [--apply], network graph [--svg file]', load: () => import('./network.js') },
  template: { summary: 'template recipes: build a versioned template (@v<N>) from templates/<name>/, list versions, diff a recipe', load: () => import('./template.js') },
  plan: { summary: 'compare the fleet in jailbuild.config.ts with the hosts: + create, ~ update, - destroy (changes nothing)', load: () => import('./plan.js') },
  apply: { summary: 'apply the fleet plan (or a saved plan file) in parallel dependency waves, per-jail report', load: () => import('./apply.js') },
  upgrade: { summary: 'patch basejails with freebsd-update, or move jails to another release (--release)', load: () => import('./upgrade.js') },
  prune: { summary: 'list basejails and templates no jail uses any more; --yes destroys them', load: () => import('./prune.js') },
  completion: { summary: 'print a bash or zsh completion script (eval "$(jailbuild completion bash)")', load: () => import('./completion.js') },
};
