/**
 * The shape of a template recipe, `templates/<name>/template.json` or
 * `template.ts`. Objects are strict: an unknown key is a config error naming
 * the key and the file, because a typo such as `pakages` silently ignored
 * would build a template without the packages.
 */
import { z } from 'zod';
import { healthSchema } from '../jail/health/health-schema.js';

/** Template names become part of dataset names (`templates/<name>-<release>`). */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** rc.conf(5) variables and rc.d script names are sh identifiers. */
const RC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** pkg(8) names or origins (`nginx`, `www/nginx`, `py311-pip`); never an option. */
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9_.+@/:-]*$/;
/** pw(8) user and group names. */
const ACCOUNT = /^[a-z_][a-z0-9_-]{0,31}$/;
const absolutePath = z
  .string()
  .regex(/^\/[^\n\0]*$/, 'must be an absolute path inside the jail')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const templateUserSchema = z
  .object({
    /** Login name, e.g. `www-admin`. */
    name: z.string().regex(ACCOUNT, 'must be a user name: lowercase letters, digits, _ and -, at most 32'),
    /** @default the next free uid pw(8) picks */
    uid: z.number().int().min(1).max(65533).optional(),
    /** Supplementary groups (must exist in the template, e.g. `wheel`). @default [] */
    groups: z.array(z.string().regex(ACCOUNT, 'must be a group name')).optional(),
    /** @default '/bin/sh' */
    shell: absolutePath.optional(),
    /** Created with its skeleton files. @default '/home/<name>' */
    home: absolutePath.optional(),
    /** GECOS field. @default none */
    comment: z.string().regex(/^[^:\n]*$/, 'must not contain ":" or newlines').optional(),
  })
  .strict();

export const templateRecipeSchema = z
  .object({
    /** One line shown by `template list`. */
    description: z.string().optional(),
    /**
     * The template this one starts from: its latest built version. `default`
     * is the release's bootstrap template. @default 'default'
     */
    extends: z.string().regex(TEMPLATE_NAME, 'must be a template name: letters, digits, _ and -').optional(),
    /** Pin the release this template is built for, e.g. `14.2`. @default --release or defaults.release */
    release: z.string().min(1).optional(),
    /** Installed with the host's pkg(8) into the template: `pkg -r <template> install -y …`. */
    packages: z.array(z.string().regex(PACKAGE, 'must be a package name or origin such as nginx or www/nginx')).optional(),
    /** Values for the template's /etc/rc.conf, e.g. `{ sendmail_enable: 'NONE' }`. */
    sysrc: z.record(z.string().regex(RC_NAME, 'must be an rc.conf variable name'), z.string().regex(/^[^\n]*$/, 'must be one line')).optional(),
    /** Accounts made with `pw -R <template> useradd`. */
    users: z.array(templateUserSchema).optional(),
    /** rc.d services to enable: `<service>_enable="YES"` in the template's rc.conf. */
    services: z.array(z.string().regex(RC_NAME, 'must be an rc.d service name such as nginx')).optional(),
    /** sh(1) commands run inside the template, in order: `chroot <template> /bin/sh -c '<command>'`. */
    commands: z.array(z.string().min(1, 'must not be empty')).optional(),
    /** Health check of jails made from this template that name none (`jailbuild:healthcheck` on the template, copied to each jail). */
    health: healthSchema.optional(),
  })
  .strict();

export type TemplateRecipe = z.input<typeof templateRecipeSchema>;
export type ParsedTemplateRecipe = z.output<typeof templateRecipeSchema>;
export type TemplateUser = z.output<typeof templateUserSchema>;
