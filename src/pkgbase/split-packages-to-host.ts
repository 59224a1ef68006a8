/**
 * The package split into staging directories on the host, whichever host it
 * is: on this machine split-packages.ts writes them directly; for a remote
 * host (`--host ssh://…`) it writes into a temporary directory here (the
 * packages are read from the host's cache), and each tree then goes to the
 * host's staging directory as one tar stream, with the file flags set there
 * afterwards (src/image/send-trees.ts), as the base.txz split does
 * (docs/ARCHITECTURE.md § The remote pipeline). The temporary directory is
 * removed whatever happens; nothing else is written on this machine.
 */
import { join } from 'node:path';
import { LocalHost } from '../host/local-host.js';
import { sendTreesToHost } from '../image/send-trees.js';
import { ignoreProgress } from '../progress.js';
import { splitPackages, type SplitPackagesOptions, type SplitPackagesResult } from './split-packages.js';

export interface SplitPackagesToHostOptions extends Omit<SplitPackagesOptions, 'basejailDir' | 'templateDir' | 'local'> {
  /** Staging directory of the basejail on `host`; must be empty. */
  basejailDir: string;
  /** Staging directory of the template on `host`; must be empty. undefined: the basejail side only. */
  templateDir?: string;
  /** This machine: the split's temporary trees for a remote host. @default a new LocalHost */
  local?: LocalHost;
}

export async function splitPackagesToHost(options: SplitPackagesToHostOptions): Promise<SplitPackagesResult> {
  const { host } = options;
  if (host.name === 'local') return splitPackages(options);
  const local = options.local ?? new LocalHost();
  const work = await local.makeTempDir('jailbuild-bootstrap-');
  try {
    const here = { basejail: join(work, 'basejail'), ...(options.templateDir === undefined ? {} : { template: join(work, 'template') }) };
    const split = await splitPackages({ ...options, local, basejailDir: here.basejail, ...(here.template === undefined ? {} : { templateDir: here.template }) });
    const flagsApplied = await sendTreesToHost({
      local,
      host,
      trees: {
        basejail: { from: here.basejail, to: options.basejailDir },
        ...(here.template === undefined || options.templateDir === undefined ? {} : { template: { from: here.template, to: options.templateDir } }),
      },
      flags: split.flags,
      onProgress: options.onProgress ?? ignoreProgress,
    });
    return { ...split, flagsApplied };
  } finally {
    await local.remove(work);
  }
}
