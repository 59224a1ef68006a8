import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { keysAt, suggestKey } from '../util/suggest-key.js';

/** One line per config problem: the key path, what is wrong, and the file. */
export function formatConfigIssue(issue: z.core.$ZodIssue, filepath: string): string {
  const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  return `config error in ${filepath}: ${key}: ${issue.message}; fix this key`;
}

export function validateConfig(raw: unknown, filepath: string): ParsedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    // An unknown key first: a misspelt key also makes the real one look missing, and the typo is the cause.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    if (issue === undefined) throw new ConfigError('E_CONFIG_INVALID', `config error in ${filepath}`);
    const guess = suggestKey(configSchema, raw ?? {}, issue);
    const known = issue.code === 'unrecognized_keys' ? keysAt(configSchema, issue.path) : [];
    const fix = guess !== undefined ? `did you mean ${guess}?` : known.length > 0 ? `remove it or use one of ${known.join(', ')}` : undefined;
    const message = fix === undefined ? formatConfigIssue(issue, filepath) : formatConfigIssue(issue, filepath).replace(/; fix this key$/, `; ${fix}`);
    throw new ConfigError('E_CONFIG_INVALID', message, {
      data: { file: filepath, issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })), ...(guess === undefined ? {} : { suggestion: guess }) },
    });
  }
  return result.data;
}
