/**
 * Which way a release's base system is bootstrapped when neither `--from` nor
 * `bootstrap.from` says: `dist` (base.txz) while the release ships dist sets,
 * `pkgbase` where it no longer does. FreeBSD 15 publishes both (the dist sets
 * and the FreeBSD-base repository); dist sets and freebsd-update are planned
 * to end with FreeBSD 16, so 16.0 and later default to pkgbase. Before 15.0
 * there is no FreeBSD-base repository, and asking for pkgbase there is refused
 * by `pkgbaseRepository` with the fix (`--from dist`).
 */
export type BaseSource = 'dist' | 'pkgbase';

/** The first major version without dist sets. */
export const FIRST_PKGBASE_ONLY_MAJOR = 16;

export function chooseBaseSource(release: string, asked: BaseSource | undefined): BaseSource {
  if (asked !== undefined) return asked;
  // No release without dist sets exists yet (16.0 is the first planned), and a guess by version
  // number would send a mirror's dist-only release to pkgbase; until 16.0 ships the switch is
  // explicit (`--from pkgbase`, `bootstrap.from`). FIRST_PKGBASE_ONLY_MAJOR marks where it goes.
  void release;
  return 'dist';
}
