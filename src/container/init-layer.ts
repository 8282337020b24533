// Docker's init layer: the mount points every container has (the /etc files, /dev, /proc, …).
// Build steps get them as a lower layer; diff and commit leave out runc's empty stand-ins for them.

/** Relative to the root. */
export const INIT_DIRS: readonly string[] = ['dev', 'dev/pts', 'dev/shm', 'proc', 'sys', 'etc'];
export const INIT_FILES: readonly string[] = ['.dockerenv', 'dev/console', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];
