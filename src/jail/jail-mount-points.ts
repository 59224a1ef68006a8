/**
 * Directories of a jail's tree where its jail.conf mounts something of the
 * host's: the read-only basejail (nullfs) and devfs. What lies below them
 * belongs to the host, not the jail: export and migrate leave it out, a
 * forced destroy unmounts them, and a template build refuses a tree where
 * either is a link (mount(8) would follow it onto a host directory).
 */
export const JAIL_MOUNT_POINTS = ['basejail', 'dev'] as const;
