/** filepath.Clean of an absolute path: `.` and `..` resolved lexically, never above `/`. */
export function cleanAbsPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop(); else out.push(part);
  }
  return '/' + out.join('/');
}
