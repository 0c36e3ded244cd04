// `npm run build`'s last step: the emitted declarations (dist/types) import each other without an
// extension, as the sources do; TypeScript apps on `nodenext` resolution (what `cdk init` sets up)
// cannot follow those, and would see the construct's props as `any`. Adds the `.js` they need.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from './lambda-bundling';

const RELATIVE_IMPORT = /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\2/g;

/** `./x` → `./x.js` or `./x/index.js`, whichever declaration exists; anything else unchanged. */
export function withExtensions(text: string, fileDir: string): string {
  return text.replace(RELATIVE_IMPORT, (match, keyword: string, quote: string, specifier: string) => {
    const target = resolve(fileDir, specifier);
    if (existsSync(`${target}.d.ts`)) return `${keyword}${quote}${specifier}.js${quote}`;
    if (existsSync(join(target, 'index.d.ts'))) return `${keyword}${quote}${specifier}/index.js${quote}`;
    return match;
  });
}

const root = join(PROJECT_ROOT, 'dist', 'types');
for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue;
  const file = join(root, entry);
  writeFileSync(file, withExtensions(readFileSync(file, 'utf8'), dirname(file)));
}
