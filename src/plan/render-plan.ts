import { formatArgv, shellQuote } from '../host/host-errors.js';
import type { StorageSettings } from '../model/settings.js';
import { renderStorageOp } from '../storage/storage-op.js';
import type { Plan, PlanStep } from './plan.js';

/** How storage steps are rendered: the backend's settings and the data root. */
export interface RenderContext {
  storage: StorageSettings;
  root: string;
}

const defaultContext: RenderContext = { storage: { backend: 'dir' }, root: '<root>' };

/** One step as sh(1) text: what `--dry-run` prints and what a person could paste. */
export function renderStep(step: PlanStep, context: RenderContext = defaultContext): string {
  switch (step.kind) {
    case 'run': {
      const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
      const ok = step.okExitCodes && step.okExitCodes.join(',') !== '0' ? `  # ok exit: ${step.okExitCodes.join(', ')}` : '';
      return (env.length > 0 ? `env ${env.join(' ')} ` : '') + formatArgv(step.argv) + ok;
    }
    case 'write-file': {
      const mode = step.mode === undefined ? '' : `\nchmod ${step.mode.toString(8)} ${shellQuote(step.path)}`;
      const body = step.content.endsWith('\n') ? step.content : `${step.content}\n`;
      const marker = uniqueMarker(body);
      return `cat > ${shellQuote(step.path)} <<'${marker}'\n${body}${marker}${mode}`;
    }
    case 'mkdir':
      return `mkdir -p${step.mode === undefined ? '' : ` -m ${step.mode.toString(8)}`} ${shellQuote(step.path)}`;
    case 'remove':
      return `rm -rf ${shellQuote(step.path)}`;
    case 'symlink':
      return `ln -s ${shellQuote(step.target)} ${shellQuote(step.path)}`;
    case 'rename':
      return `mv ${shellQuote(step.from)} ${shellQuote(step.to)}`;
    case 'copy-file':
      return `install -m ${step.mode.toString(8).padStart(4, '0')} ${shellQuote(step.from)} ${shellQuote(step.path)}`;
    case 'copy-tree':
      return `cp -Rp ${shellQuote(step.from)} ${shellQuote(step.path)}`;
    case 'storage':
      return renderStorageOp(step.op, context.storage, context.root);
    case 'lock':
      // lockf(1) would hold it for one command; the plan holds it for all that follow.
      return `# lock ${shellQuote(step.path)} on ${step.host} (${step.what}), held until the plan ends`;
    case 'deferred':
      return [`# known after apply (${step.rule}): ${step.decides}`, ...(step.explain ?? []).map((line) => (line.startsWith('#') ? line : `#   ${line}`))].join('\n');
  }
}

function uniqueMarker(body: string): string {
  let marker = 'EOF';
  for (let n = 1; body.split('\n').includes(marker); n++) marker = `EOF${n}`;
  return marker;
}

/** The whole plan as a commented shell script. */
export function renderPlan(plan: Plan, context: RenderContext = defaultContext): string {
  const lines = [`# ${plan.summary}`];
  if (plan.observed !== undefined) lines.push(`# observed state sha256 ${plan.observed}`);
  for (const { step } of plan.steps) lines.push(`# ${step.title}`, renderStep(step, context));
  return `${lines.join('\n')}\n`;
}
