/**
 * The dataset names jailbuild uses, relative to the storage root. One place,
 * so bootstrap, create, list and upgrade agree.
 */
export const BASEJAIL_PARENT = 'basejail';
export const TEMPLATE_PARENT = 'templates';
export const JAIL_PARENT = 'jails';
/** Snapshot of a template that jails are cloned from. */
export const TEMPLATE_SNAPSHOT = 'base';

export function basejailDataset(release: string): string {
  return `${BASEJAIL_PARENT}/${release}`;
}

export function templateDataset(template: string, release: string): string {
  return `${TEMPLATE_PARENT}/${template}-${release}`;
}

export function jailDataset(name: string): string {
  return `${JAIL_PARENT}/${name}`;
}
