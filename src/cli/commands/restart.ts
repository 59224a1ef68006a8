import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { registerLifecycle } from './lifecycle.js';

export function register(command: Command, io: CliIo): void {
  registerLifecycle('restart', command, io);
}
