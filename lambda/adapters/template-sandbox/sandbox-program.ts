// The program a sandbox process runs, as one self-contained script (jsonata's source plus a small
// loop) fed to `node -` on stdin: no file and no module resolution, so it runs the same from
// TypeScript source, a build, or the Lambda bundle.
import type { TemplateJob } from '../../core/ports';

/** Parent → child: one render. */
export interface SandboxRequest extends TemplateJob {
  id: number;
}

/** Child → parent: started, or the answer to one request (`error` is the TemplateError message). */
export type SandboxMessage = { ready: true } | { id: number; text: string } | { id: number; error: string };

export interface ProgramLimits {
  /** jsonata's own depth guard: a clean D1011 error for runaway recursion, before the stack overflows. */
  maxDepth: number;
  /** A larger answer would cost the parent's event loop its parsing. */
  maxOutputChars: number;
}

/** Plain JavaScript (it is not compiled): kept small, and every path answers the request. */
const LOOP = `
const compiled = new Map();
function compile(source) {
  let expression = compiled.get(source);
  if (!expression) {
    expression = jsonata(source, { stack: LIMITS.maxDepth });
    compiled.set(source, expression);
  }
  return expression;
}
function describe(error) {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return 'template exceeded its stack limit: the payload or the template nests too deeply';
  }
  const code = error && error.code;
  const message = error && error.message;
  return 'template failed: ' + ([code, message].filter(Boolean).join(': ') || String(error));
}
async function render(request) {
  let text;
  try {
    const result = await compile(request.source).evaluate(JSON.parse(request.body), request.bindings);
    text = JSON.stringify(result);
  } catch (error) {
    return { error: describe(error) };
  }
  if (text === undefined) return { error: 'template produced no output for this payload' };
  if (text.length > LIMITS.maxOutputChars) {
    return { error: 'template output is larger than ' + LIMITS.maxOutputChars + ' characters' };
  }
  return { text };
}
process.on('message', (request) => {
  render(request).then((answer) => process.send(Object.assign({ id: request.id }, answer)));
});
// The parent is gone (or closed the pool): nothing more will come.
process.on('disconnect', () => process.exit(0));
// ...but a main thread stuck in one regex never sees 'disconnect', and a parent killed outright
// cannot kill it: a watchdog thread ends this process once it is orphaned (its parent pid changes).
const { Worker } = require('node:worker_threads');
const WATCHDOG = "const { workerData } = require('node:worker_threads');" +
  "setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);";
new Worker(WATCHDOG, { eval: true, workerData: process.ppid }).unref();
process.send({ ready: true });
`;

export function sandboxProgram(jsonataSource: string, limits: ProgramLimits): string {
  return [
    "'use strict';",
    `const LIMITS = ${JSON.stringify(limits)};`,
    // jsonata's standalone build assigns module.exports when `module` and `exports` exist.
    'const jsonata = (() => { const module = { exports: {} }; (function (module, exports) {',
    jsonataSource,
    '})(module, module.exports); return module.exports; })();',
    LOOP,
  ].join('\n');
}
