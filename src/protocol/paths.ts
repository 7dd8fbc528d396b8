/**
 * ZooKeeper path rules (Apache's `PathUtils.validatePath`), chroot mapping and sequential
 * node names.
 */

/** Why a path is invalid, or `undefined` when it is valid. */
export function pathProblem(path: string, isSequential = false): string | undefined {
  if (typeof path !== 'string') return 'path must be a string';
  // A sequential create may end in '/': the server appends the counter first.
  const checked = isSequential ? `${path}1` : path;
  if (checked.length === 0) return 'path length must be > 0';
  if (checked.charCodeAt(0) !== 0x2f) return 'path must start with / character';
  if (checked.length === 1) return undefined;
  if (checked.charCodeAt(checked.length - 1) === 0x2f) return 'path must not end with / character';
  let previous = 0x2f;
  for (let index = 1; index < checked.length; index++) {
    const c = checked.charCodeAt(index);
    if (c === 0) return `null character not allowed @${index}`;
    if (c === 0x2f && previous === 0x2f) return `empty node name specified @${index}`;
    if (c === 0x2e && previous === 0x2e) {
      const before = checked.charCodeAt(index - 2);
      const after = index + 1 === checked.length ? 0x2f : checked.charCodeAt(index + 1);
      if (before === 0x2f && after === 0x2f) return `relative paths not allowed @${index}`;
    } else if (c === 0x2e) {
      const after = index + 1 === checked.length ? 0x2f : checked.charCodeAt(index + 1);
      if (previous === 0x2f && after === 0x2f) return `relative paths not allowed @${index}`;
    } else if (
      (c > 0x00 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${index}`;
    }
    previous = c;
  }
  return undefined;
}

/** True if `path` follows ZooKeeper's rules. */
export function isValidPath(path: string, isSequential = false): boolean {
  return pathProblem(path, isSequential) === undefined;
}

/** Error thrown by {@link validatePath}: a path that breaks ZooKeeper's rules. */
export class InvalidPathError extends Error {
  override readonly name = 'InvalidPathError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid path string "${path}": ${reason}`);
  }
}

/** Throws {@link InvalidPathError} unless `path` is valid. */
export function validatePath(path: string, isSequential = false): void {
  const problem = pathProblem(path, isSequential);
  if (problem !== undefined) throw new InvalidPathError(path, problem);
}

/** The parent of an absolute path (`/a/b` → `/a`, `/a` → `/`, `/` → `''`). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return path === '/' ? '' : '/';
  return path.slice(0, slash);
}

/** The last component of a path (`/a/b` → `b`, `/` → `''`). */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/**
 * The 10-digit suffix of a sequential node, as Java's `%010d` formats the parent's
 * counter: zero-padded to width 10, a negative number as `-` plus zero-padding.
 */
export function sequenceSuffix(counter: number): string {
  if (counter < 0) return `-${String(-counter).padStart(9, '0')}`;
  return String(counter).padStart(10, '0');
}

/** The sequence number at the end of a sequential node's name, or `undefined`. */
export function parseSequence(name: string): number | undefined {
  if (name.length < 10) return undefined;
  const suffix = name.slice(-10);
  if (!/^(-\d{9}|\d{10})$/.test(suffix)) return undefined;
  return Number.parseInt(suffix, 10);
}

/** Normalises a chroot: `''` and `/` mean none; otherwise it must be a valid path. */
export function normalizeChroot(chroot: string | undefined): string {
  if (chroot === undefined || chroot === '' || chroot === '/') return '';
  validatePath(chroot);
  return chroot;
}

/** Maps a client path to the server's path under `chroot` (`''` = none). */
export function prependChroot(chroot: string, path: string): string {
  if (chroot === '') return path;
  return path === '/' ? chroot : chroot + path;
}

/** Maps a server path back to the client's view under `chroot`. */
export function stripChroot(chroot: string, serverPath: string): string {
  if (chroot === '') return serverPath;
  if (serverPath === chroot) return '/';
  if (serverPath.startsWith(`${chroot}/`)) return serverPath.slice(chroot.length);
  return serverPath;
}
