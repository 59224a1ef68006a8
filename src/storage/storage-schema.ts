/**
 * The config-file form of `storage` (top level, and per host in the fleet's
 * `hosts`). Owned here, next to the backends it selects; src/config/schema.ts
 * composes it into the whole config.
 */
import { z } from 'zod';

export const storageSchema = z
  .discriminatedUnion('backend', [
    z.object({ backend: z.literal('dir').meta({ description: 'Plain directories under `root`; a jail is a copy of its template. Needs nothing but a filesystem.' }) }).strict(),
    z
      .object({
        backend: z.literal('zfs').meta({ description: 'ZFS datasets under `dataset`; a jail is a clone of its template snapshot.' }),
        dataset: z
          .string()
          .regex(/^[A-Za-z0-9][\w.:-]*(\/[\w.:-]+)*$/, 'must be a ZFS dataset name like zroot/jailbuild')
          .meta({ description: 'Parent dataset (must exist and be mounted); children: `basejail/`, `templates/`, `jails/`.', examples: ['zroot/jailbuild'] }),
      })
      .strict(),
  ])
  .meta({
    id: 'storage',
    title: 'storage',
    description: 'Where basejails, templates and jails are kept.',
    default: { backend: 'dir' },
    examples: [{ backend: 'zfs', dataset: 'zroot/jailbuild' }],
  });
