import { formatArgv, shellQuote } from '../host/host-errors.js';
import type { HostSetup } from './host-setup.js';
import { renderPfConf } from './render-pf-conf.js';

/** The host setup as a shell script a person could read and paste (what `network setup` prints). */
export function renderHostSetup(setup: HostSetup): string {
  const lines: string[] = ['# host rc.conf'];
  for (const change of setup.rcConf) lines.push(`sysrc ${shellQuote(`${change.name}${change.append ? '+=' : '='}${change.value}`)}`);
  if (setup.actions.length > 0) lines.push('', '# running host');
  for (const action of setup.actions) {
    lines.push(`# ${action.title}`);
    const body = action.commands.map(formatArgv);
    if (action.unless === undefined) lines.push(...body);
    else lines.push(`if ! ${formatArgv(action.unless)} >/dev/null 2>&1; then`, ...body.map((l) => `  ${l}`), 'fi');
  }
  if (setup.pf) lines.push('', '# pf.conf: add these lines after options/scrub and before filter rules, then pfctl -f /etc/pf.conf', ...renderPfConf(setup.pf).trimEnd().split('\n').map((l) => `#   ${l}`));
  return `${lines.join('\n')}\n`;
}
