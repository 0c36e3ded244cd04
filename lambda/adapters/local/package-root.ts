// Where the installed package lives: the folder above this module holding package.json. The same
// answer from the TypeScript source (lambda/adapters/local/) and from the bundle (dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function findPackageRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
