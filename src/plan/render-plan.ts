import { formatArgv, shellQuote } from '../host/host-errors.js';
import type { StorageSettings } from '../model/settings.js';
import { renderStorageOp } from '../storage/storage-op.js';
import type { GroupStep, Plan, PlanStep } from './plan.js';

/** How storage steps are rendered: the backend's settings and the data root. */
export interface RenderContext {
  storage: StorageSettings;
  root: string;
  /** A two-host plan's ends by key (a step's `on`, a transfer's `from`/`to`): their name and settings. */
  ends?: Readonly<Record<string, { name: string; storage: StorageSettings; root: string }>>;
}

const defaultContext: RenderContext = { storage: { backend: 'dir' }, root: '<root>' };

/** One step as sh(1) text: what `--dry-run` prints and what a person could paste. A step on another end says where. */
export function renderStep(step: PlanStep, context: RenderContext = defaultContext): string {
  const end = step.on === undefined || step.kind === 'group' ? undefined : context.ends?.[step.on];
  if (end === undefined) return renderOn(step, context);
  return `# on the ${step.on} (${end.name}):\n${renderOn(step, { ...context, storage: end.storage, root: end.root })}`;
}

function renderOn(step: PlanStep, context: RenderContext): string {
  switch (step.kind) {
    case 'run': {
      const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
      const ok = step.okExitCodes && step.okExitCodes.join(',') !== '0' ? `  # ok exit: ${step.okExitCodes.join(', ')}` : '';
      const out = step.stdout === undefined ? '' : ` > ${shellQuote(step.stdout.path)}`;
      return (env.length > 0 ? `env ${env.join(' ')} ` : '') + formatArgv(step.argv) + out + ok;
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
    case 'health-check':
      return step.runs ? `# health check of ${step.jail}: ${step.check}${step.onUnhealthy === 'fail' ? ' (unhealthy: this step fails)' : ' (recorded)'}` : `# health check of ${step.jail}: skipped, it does not run (recorded)`;
    case 'group':
      return renderGroup(step, context);
    case 'transfer': {
      const named = (key: string) => (context.ends?.[key] === undefined ? key : `the ${key} (${context.ends[key].name})`);
      const from = named(step.from);
      const to = named(step.to);
      if (step.what === 'zfs-send') return `${formatArgv(['zfs', 'send', ...step.send])} | ${formatArgv(['zfs', 'receive', ...step.receive])}  # send on ${from}, receive on ${to}, through jailbuild`;
      return `# pack the tree beneath ${step.fromBeneath} on ${from} (tar, nothing followed; the contents of ${step.omitContentsOf.join(', ')} left out) | check the stream | unpack it beneath ${step.toBeneath} on ${to}`;
    }
  }
}

/** A group: its steps, then the undo its failure runs (every completed step's undo, in reverse), as comments. */
function renderGroup(group: GroupStep, context: RenderContext): string {
  const lines = [`# { ${group.title}`];
  for (const { step } of group.steps) lines.push(`# ${step.title}`, renderStep(step, context));
  const checked = group.steps.some(({ step }) => step.kind === 'health-check' && step.runs && step.onUnhealthy === 'fail');
  const undo = [...group.steps].reverse().flatMap(({ undo: steps }) => steps ?? []);
  if (undo.length > 0) {
    lines.push(`# if ${checked ? 'the health check fails' : 'a step fails'}: the undo of the steps done so far${checked ? ' (so too when a step fails)' : ''}, last first, then the next step of the plan; for the whole group:`);
    for (const step of undo) lines.push(...renderStep(step, context).split('\n').map((line) => `#   ${line}`));
  }
  lines.push(`# } ${group.title}`);
  return lines.join('\n');
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
