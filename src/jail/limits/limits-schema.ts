/**
 * The config's `limits` and `cpuset` keys (on a fleet jail and on a
 * template entry), checked with the parser `--limit`/`--cpuset` use, so a
 * bad resource, action or amount in the file gets the command line's words,
 * as a config error naming the key.
 */
import { z } from 'zod';
import { JailbuildError } from '../../errors.js';
import { zodCheck } from '../../util/zod-check.js';
import { parseCpuset, parseLimitEntry } from './parse-limit.js';

export const limitsSchema = z
  .record(z.string().meta({ description: 'rctl(8) resource or resource:action' }), z.union([z.string(), z.number()]).meta({ description: "amount: bytes with K/M/G/T (`'2G'`), else a whole number (`50`)" }))
  .superRefine((limits, ctx) => {
    for (const [key, amount] of Object.entries(limits)) {
      try {
        parseLimitEntry(key, amount, `limits.${key}`);
      } catch (error) {
        if (!(error instanceof JailbuildError)) throw error;
        ctx.addIssue({ code: 'custom', path: [key], message: error.message });
      }
    }
  })
  .meta({
    description:
      "rctl(8) limits, resource → amount: bytes take K/M/G/T (`memoryuse: '2G'`), `pcpu` is percent of one core, counts and seconds are whole numbers. The action is `deny` (`sigkill` for cputime and wallclock, `throttle` for readbps, writebps, readiops, writeiops) unless the key names one: `'memoryuse:log': '1G'`. Applied through exec hooks in the jail's jail.conf.d file; needs `kern.racct.enable=1` on the host.",
    examples: [{ memoryuse: '2G', pcpu: 50 }, { 'memoryuse:log': '1G', maxproc: 200 }],
  });

export const cpusetSchema = z
  .string()
  .superRefine(zodCheck((text) => parseCpuset(text, 'cpuset')))
  .meta({ description: 'CPUs the jail runs on, a cpuset(1) list (`cpuset -j <jail> -l`); `all` for every CPU.', examples: ['0-3', '0,2'] });
