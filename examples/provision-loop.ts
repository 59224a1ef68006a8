/**
 * Provision N jails in a loop with jailbuild's scripting API, then show them.
 *
 *   npx tsx examples/provision-loop.ts --root /tmp/jb --mirror file:///path/to/mirror --count 5
 *
 * Every option maps to a jailbuild flag (see `SettingsFlags`); the same
 * functions run behind `jailbuild bootstrap`, `create` and `list`. A mirror
 * of your own builds needs `--trust <release>/<arch>=<MANIFEST sha256>`
 * (the config's `trustedManifests`, see docs/CONFIG.md).
 */
import { parseArgs } from 'node:util';
import { bootstrap, createJail, JailbuildError, listJails, type SettingsFlags } from '../src/index.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    mirror: { type: 'string', multiple: true },
    release: { type: 'string', default: '14.2' },
    count: { type: 'string', default: '3' },
    prefix: { type: 'string', default: 'worker' },
    // `release/arch=sha256` for a private build's MANIFEST (tests use a synthetic release)
    trust: { type: 'string' },
  },
});

async function provision(): Promise<void> {
  const flags: SettingsFlags = { ...(values.root ? { root: values.root } : {}), ...(values.mirror ? { mirrors: values.mirror } : {}) };
  const [trustKey, trustSha] = values.trust?.split('=') ?? [];
  const config = trustKey && trustSha ? { trustedManifests: { [trustKey]: trustSha } } : {};

  const base = await bootstrap(values.release, { config, flags });
  console.log(`release ${base.release}: basejail ${base.basejail.path}${base.skipped ? ' (already there)' : ''}`);

  const count = Number(values.count);
  for (let i = 1; i <= count; i++) {
    const name = `${values.prefix}${String(i).padStart(2, '0')}`;
    const jail = await createJail({ name, release: values.release, ip4: [`10.9.0.${i}`], rcConf: { sshd_enable: 'YES' } }, { config, flags });
    console.log(`created ${jail.name} at ${jail.path} (${jail.plan.steps.length} steps)`);
  }

  for (const jail of await listJails({ config, flags })) console.log(`${jail.name}\t${jail.release}\t${jail.ip4.join(',')}`);
}

// jailbuild's errors are one line naming the problem and the fix: print that
// line and exit with its code (2 usage/config, 1 otherwise), as the CLI does.
// Anything else is a bug and keeps its stack trace.
provision().catch((error: unknown) => {
  if (!(error instanceof JailbuildError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = error.exitCode;
});
