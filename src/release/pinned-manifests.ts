/**
 * The trust anchor for downloads. A MANIFEST comes from the same mirror as the
 * archives it lists, so on its own it only catches corruption; these sha256
 * sums of known releases' MANIFEST files (exact bytes, as published) come from
 * FreeBSD's own `misc/freebsd-release-manifests` port
 * (freebsd/freebsd-ports: misc/freebsd-release-manifests/files/MANIFESTS/
 * <arch>-<cpu>-<release>), read from the ports tree, not from a mirror.
 *
 * Keys are `<release>/<arch>` with jailbuild's arch names (amd64, arm64).
 * amd64 13.0-RELEASE is missing: its MANIFEST was not available when this
 * table was made, so it is fetched with the "unpinned" warning.
 */
export const PINNED_MANIFESTS: Readonly<Record<string, string>> = {
  '13.0-RELEASE/arm64': 'b424cd52152ed58e0c5d3f37fbe001c75dbf472ff1f3fb05ffa136c299236798',
  '13.1-RELEASE/amd64': '7c7b0b914b18f20d875624b539d6092432443df0409517a44c3aeb285c912111',
  '13.2-RELEASE/amd64': 'd40822d1dbd30510eb6c3a851af839705f93af0adf634ef6d18f93392b44f41c',
  '13.2-RELEASE/arm64': 'a11082f8aeee440be375ce2904fdf511ee34511e30aba4376b24fc74d1965e7e',
  '13.3-RELEASE/amd64': '30c0ce7deb0408344e8de0ca913d845b62a24a3371cc2f5d6d0c86207de010fa',
  '13.4-RELEASE/amd64': '810444d4d74c594a1fa7ad01aa6b1d71642d1b57cdacc8946e8350ce3e2db1b6',
  '13.4-RELEASE/arm64': '4912c7121fa5c00ac1fa7c379c15ac03deb2d6040e7d14ab03dce38cf9c8aa4e',
  '13.5-RELEASE/amd64': '172129513db721e0afabf8d5c9ddb99c79011e8b2fdcc85aba49d656223bfa82',
  '13.5-RELEASE/arm64': 'd0f9f86981d8073546560de1002442b1d80de5c00c9be5ae33f8cafe45733bff',
  '14.0-RELEASE/amd64': '7234b39e71337cc6de738b9b005b0921d6279b7076b89082bab9c46606dd5791',
  '14.0-RELEASE/arm64': '2d22ec154ef11df99ee31e318a190f4982a85f1330eda7b7c86de0958178cf05',
  '14.1-RELEASE/amd64': 'fe96eb5752f91e26eadc423cae953bc8bd66402c0b7aa322b05daa8e3ec59e7a',
  '14.1-RELEASE/arm64': '54d4ba76331b56a7a96388f0fbe4148f0539e93484404e99681312b4bc0cf49b',
  '14.2-RELEASE/amd64': 'a24e5aa03d3da74b8617fe6639d7b9298506232783c94c59dbc3c36fcc840c00',
  '14.2-RELEASE/arm64': 'd3964f1e2fb419ee1bb53944b9e1bc6978f3dc38f725bfa05969ab052057c7dc',
  '14.3-RELEASE/amd64': '1099ea170efa5a8e32824ebec9e7cca556ff292556920413b08aa4ab4310c619',
  '14.3-RELEASE/arm64': '5bf7f214d2a5ab0a3d0ab695fb7ad596f246592a0c1b807017c2933494ec6014',
  '15.0-RELEASE/amd64': 'f979899434327ed4643d25b56b169220382c0f94991d48dc53bd966497e61cc3',
  '15.0-RELEASE/arm64': 'b763562db54065fa7a8c85acd0923188fd8f9b0623bd5a0ebaaed7ab400d7558',
};

/** The key of a release in `PINNED_MANIFESTS` and in `trustedManifests` options. */
export function pinnedManifestKey(release: string, arch: string): string {
  return `${release}/${arch}`;
}
