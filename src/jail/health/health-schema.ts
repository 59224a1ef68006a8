/**
 * The `health` key of a fleet jail, a fleet template and (as flags) of
 * `jailbuild create`: a command run inside the jail (`jexec <jail> …`) or a
 * TCP port on the jail's address, tried `retries` times `interval` seconds
 * apart, each try limited to `timeout` seconds (docs/ARCHITECTURE.md § Health checks).
 */
import { z } from 'zod';

const timing = {
  timeout: z.number().positive().max(3600).optional().meta({ description: 'Seconds one try may take before it counts as failed.', default: 10, examples: [5] }),
  retries: z.number().int().min(1).max(100).optional().meta({ description: 'Tries before the check counts as failed (the first success ends it).', default: 3, examples: [5] }),
  interval: z.number().min(0).max(3600).optional().meta({ description: 'Seconds between two tries.', default: 2, examples: [1] }),
};

export const healthSchema = z
  .union([
    z
      .object({
        cmd: z
          .union([z.array(z.string().min(1)).min(1), z.string().min(1)])
          .meta({ description: 'Run inside the jail with `jexec <jail>`: an argv, or one string run by `/bin/sh -c`. Exit 0 is healthy.', examples: [['/usr/sbin/service', 'nginx', 'status'], 'fetch -qo /dev/null http://127.0.0.1/'] }),
        ...timing,
      })
      .strict(),
    z
      .object({
        tcp: z.number().int().min(1).max(65535).meta({ description: "A TCP port that must accept a connection on the jail's first address, connected to from the host.", examples: [80] }),
        ...timing,
      })
      .strict(),
  ])
  .meta({
    description: 'Health check run after create --start, start, patch upgrades and fleet waves; a failure rolls a patch upgrade back and stops the next fleet waves. The last result is kept on the jail\'s dataset (`jailbuild:health*`) and shown by `list`.',
    examples: [{ cmd: ['/usr/sbin/service', 'nginx', 'status'], timeout: 5, retries: 3, interval: 2 }, { tcp: 80 }],
  });

export type HealthConfig = z.output<typeof healthSchema>;
