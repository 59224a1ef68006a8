import type { z } from 'zod';
import { JailbuildError } from '../errors.js';

/**
 * A zod refinement from one of our own validators: the validator's one-line
 * JailbuildError message becomes the config issue, so the config file gets the
 * same words the command line does.
 */
export function zodCheck(check: (value: string) => unknown) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    try {
      check(value);
    } catch (error) {
      if (!(error instanceof JailbuildError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  };
}
