/**
 * The trust anchor for pkgbase catalogues: sha256 fingerprints of the public
 * keys FreeBSD signs its FreeBSD-base repositories with, as shipped in the
 * FreeBSD source tree (freebsd/freebsd-src: share/keys/pkgbase-<major>/
 * trusted/<name>, files `function: "sha256"` + `fingerprint: "<hex>"`), read
 * from the source repository, not from a package mirror. A fingerprint is the
 * sha256 of the key's PEM bytes (docs/PKGBASE.md).
 *
 * Keys are the name of the fingerprint directory (`pkgbase-15`); a private
 * repository adds its own set, or extends one, with `trustedPkgFingerprints`
 * in the config.
 */
export const PINNED_PKG_FINGERPRINTS: Readonly<Record<string, readonly string[]>> = {
  'pkgbase-15': [
    // share/keys/pkgbase-15/trusted/awskms-15
    '1d7b45d20fa8d6ed26f9b4a13ac81a6b5df860b9fe644d07b87e92298ba72595',
    // share/keys/pkgbase-15/trusted/backup-signing-15
    '56a77bdcb6c3cf7984729c6138bd5617c24aa0d466b3b604c96205b2c5629f3c',
  ],
};

/** The fingerprint set name of a FreeBSD major version, as FreeBSD.conf spells it (`pkgbase-${VERSION_MAJOR}`). */
export function pkgFingerprintSet(major: number): string {
  return `pkgbase-${major}`;
}
