// Why a file could not be read, in words, with the error code once: `no such file (ENOENT)`.
// Node's own message repeats the code and the path the caller already names.

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

export function describeFileError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string') return message ?? String(error);
  const reason = REASONS[code];
  return reason === undefined ? code : `${reason} (${code})`;
}
