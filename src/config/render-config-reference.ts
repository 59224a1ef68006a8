/**
 * docs/CONFIG.md, written from the zod config schema: every key with its
 * type, default, description and examples comes from the schema's `.meta()`
 * (through `z.toJSONSchema`), so the reference cannot drift from what the
 * loader accepts. `npm run gen:docs` writes it; a test regenerates and
 * compares. Keys without a description are listed by `undocumentedKeys`.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** The part of JSON Schema z.toJSONSchema emits for our schema, plus the meta keys we use. */
interface JsonSchema {
  type?: string;
  description?: string;
  title?: string;
  default?: unknown;
  defaultText?: string;
  examples?: unknown[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
}

export function configJsonSchema(): JsonSchema {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** A value as it would be written in jailbuild.config.ts. */
export function tsLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : tsLiteral(k)}: ${tsLiteral(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

const refName = (ref: string) => ref.replace(/^#\/\$defs\//, '');

function typeText(schema: JsonSchema): string {
  if (schema.$ref !== undefined) return `[${refName(schema.$ref)}](#${refName(schema.$ref)}-shape)`;
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) return union.map(typeText).join(' \\| ');
  if (schema.const !== undefined) return `\`${tsLiteral(schema.const)}\``;
  if (schema.enum !== undefined) return schema.enum.map((v) => `\`${tsLiteral(v)}\``).join(' \\| ');
  if (schema.type === 'array' && schema.items !== undefined) {
    const item = typeText(schema.items);
    return `${/\|/.test(item) ? `(${item})` : item}[]${(schema.minItems ?? 0) > 0 ? ' (at least one)' : ''}`;
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    const value = schema.additionalProperties;
    const valueText = value.$ref === undefined && value.type === 'object' ? 'object (keys below)' : value.$ref === undefined && value.description !== undefined ? value.description : typeText(value);
    return `record: ${schema.propertyNames?.description ?? 'name'} → ${valueText}`;
  }
  if (schema.type === 'integer') {
    const range = schema.minimum !== undefined && schema.maximum !== undefined ? ` (${schema.minimum} to ${schema.maximum})` : schema.minimum !== undefined ? ` (≥ ${schema.minimum})` : '';
    return `integer${range}`;
  }
  return schema.type ?? 'any';
}

interface Entry {
  path: string;
  schema: JsonSchema;
  required: boolean;
}

/** `<jail>` for a record keyed by "jail name". */
function placeholder(record: JsonSchema): string {
  const label = record.propertyNames?.description?.replace(/ name$/, '') ?? 'name';
  return /^[a-z]+$/.test(label) ? `<${label}>` : '<name>';
}

/** A `$ref` key shows its shape's description, default and examples unless it has its own. */
function withRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref === undefined) return schema;
  const def = root.$defs?.[refName(schema.$ref)] ?? {};
  return {
    ...schema,
    description: [schema.description, def.description].filter((d) => d !== undefined).join(' ') || undefined,
    ...(schema.default === undefined && schema.defaultText === undefined && def.default !== undefined ? { default: def.default } : {}),
    examples: schema.examples ?? def.examples,
  };
}

/** Every key, depth first: objects by their properties, records as `<jail>` etc., `$ref`s not followed (they have their own section). */
function entries(schema: JsonSchema, prefix: string, root: JsonSchema, out: Entry[] = []): Entry[] {
  const objects = schema.oneOf?.every((v) => v.type === 'object') ? schema.oneOf : schema.type === 'object' ? [schema] : [];
  const seen = new Set<string>();
  for (const object of objects) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (seen.has(path)) continue;
      seen.add(path);
      // a discriminated union's variants share the discriminator: one row listing every value
      const variants = objects.map((o) => o.properties?.[key]).filter((v): v is JsonSchema => v !== undefined);
      const merged: JsonSchema = variants.length > 1 ? { anyOf: variants, description: variants.map((v) => `${tsLiteral(v.const)}: ${v.description ?? ''}`).join(' '), examples: variants.map((v) => v.const) } : child;
      out.push({ path, schema: withRef(merged, root), required: object.required?.includes(key) ?? false });
      if (child.$ref === undefined) entries(child, path, root, out);
    }
    if (typeof object.additionalProperties === 'object' && object.additionalProperties.$ref === undefined && object.additionalProperties.type === 'object') {
      entries(object.additionalProperties, `${prefix}.${placeholder(object)}`, root, out);
    }
  }
  return out;
}

/** Keys whose schema has no description: a test keeps this empty. */
export function undocumentedKeys(schema: JsonSchema = configJsonSchema()): string[] {
  return allEntries(schema)
    .filter((e) => e.schema.description === undefined)
    .map((e) => e.path);
}

/** Keys without an example: a test keeps this empty too. */
export function keysWithoutExample(schema: JsonSchema = configJsonSchema()): string[] {
  return allEntries(schema)
    .filter((e) => (e.schema.examples ?? []).length === 0)
    .map((e) => e.path);
}

function allEntries(schema: JsonSchema): Entry[] {
  const all = [...entries(schema, '', schema)];
  for (const [name, def] of Object.entries(schema.$defs ?? {})) all.push({ path: name, schema: def, required: false }, ...entries(def, name, schema));
  return all;
}

function entrySection(entry: Entry): string[] {
  const { schema } = entry;
  const lines = [`### \`${entry.path}\``, ''];
  if (schema.description !== undefined) lines.push(schema.description, '');
  lines.push(`- Type: ${typeText(schema)}${entry.required ? ' (required)' : ''}`);
  if (schema.default !== undefined) lines.push(`- Default: \`${tsLiteral(schema.default)}\``);
  else if (schema.defaultText !== undefined) lines.push(`- Default: ${schema.defaultText}`);
  for (const example of schema.examples ?? []) lines.push(`- Example: \`${tsLiteral(example)}\``);
  lines.push('');
  return lines;
}

const FLEET_KEYS = new Set(['hosts', 'releases', 'templates', 'jails', 'prune']);

/** A complete config made of each top-level key's first example. */
export function exampleConfig(schema: JsonSchema = configJsonSchema()): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const defs = child.$ref === undefined ? undefined : schema.$defs?.[refName(child.$ref)];
    const example = child.examples?.[0] ?? defs?.examples?.[0];
    if (example !== undefined) config[key] = example;
  }
  return config;
}

function exampleFile(config: Record<string, unknown>): string[] {
  return [
    '```ts',
    "import { defineConfig } from 'jailbuild';",
    '',
    'export default defineConfig({',
    ...Object.entries(config).map(([key, value]) => `  ${key}: ${tsLiteral(value)},`),
    '});',
    '```',
  ];
}

export function renderConfigReference(schema: JsonSchema = configJsonSchema()): string {
  const all = entries(schema, '', schema);
  const general = all.filter((e) => !FLEET_KEYS.has(e.path.split('.')[0] ?? ''));
  const fleet = all.filter((e) => FLEET_KEYS.has(e.path.split('.')[0] ?? ''));
  const defs = Object.entries(schema.$defs ?? {});
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from the zod schema (src/config/schema.ts, src/storage/storage-schema.ts, src/network/network-schema.ts, src/fleet/fleet-schema.ts) by `npm run gen:docs`; do not edit: change the `.meta()` there. -->',
    '',
    'jailbuild reads `jailbuild.config.ts` (also `.js`, `.json`, `.yaml`) from the current directory, or the file given with `--config`. Every key is optional; flags given on the command line win over the file, the file over the defaults below. Objects are strict: an unknown or misspelt key is a config error (exit 2) naming the key and the file.',
    '',
    'A `.ts` config gets types and editor completion from `defineConfig`. Every key at once, each with its first example:',
    '',
    ...exampleFile(exampleConfig(schema)),
    '',
    '## Private mirrors and `trustedManifests`',
    '',
    'A release is fetched from `mirrors` (then `archiveMirrors` on 404) and checked against its MANIFEST, whose sha256 jailbuild knows for every release FreeBSD published. A mirror of your own builds serves another MANIFEST: for a release jailbuild knows, that is refused as `E_RELEASE_MANIFEST_UNTRUSTED`; for one it does not know, it is accepted with a warning (refused under `strict`). Pin your builds in `trustedManifests`:',
    '',
    '```ts',
    "mirrors: ['https://mirror.example.org/freebsd'],",
    "trustedManifests: { '14.2-RELEASE/amd64': '<sha256 of that MANIFEST>' },",
    '```',
    '',
    '## General keys',
    '',
    ...general.flatMap(entrySection),
    '## Fleet keys',
    '',
    '`jailbuild plan` compares these with the hosts and `jailbuild apply` makes them so (see `jailbuild plan --help`).',
    '',
    ...fleet.flatMap(entrySection),
    '## Shared shapes',
    '',
    ...defs.flatMap(([name, def]) => [
      `### ${name} (shape)`,
      '',
      ...(def.description === undefined ? [] : [def.description, '']),
      `- Type: ${def.oneOf !== undefined ? def.oneOf.map((v) => `{ ${Object.keys(v.properties ?? {}).join(', ')} }`).join(' \\| ') : 'object'}`,
      ...(def.default === undefined ? [] : [`- Default: \`${tsLiteral(def.default)}\``]),
      ...(def.examples ?? []).map((example) => `- Example: \`${tsLiteral(example)}\``),
      '',
      ...entries(def, name, schema).flatMap(entrySection),
    ]),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
