// Runs user JSONata templates in a small pool of child node processes with a hard time and memory
// limit: a template that runs too long is killed, one that needs too much memory aborts its own
// process (V8 aborts a whole process, threads included, when one allocation cannot be served, so a
// worker thread cannot contain a huge `$pad`), and neither blocks this process's event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { TemplateError } from '../../core/errors';
import type { TemplateJob, TemplateSandbox } from '../../core/ports';
import { TEMPLATE_MAX_DEPTH, TEMPLATE_TIMEOUT_MS } from '../../core/render/templates';
import { jsonataSource } from './jsonata-source';
import { type SandboxMessage, type SandboxRequest, sandboxProgram } from './sandbox-program';

/** V8 heap (old generation) of one sandbox process; it aborts past this. */
export const TEMPLATE_MEMORY_MB = 64;
/** Young generation semi-space: part of the heap for short-lived objects. */
export const TEMPLATE_SEMI_SPACE_MB = 8;
/** A rendered body longer than this is refused (the parent parses the answer on its event loop). */
export const TEMPLATE_MAX_OUTPUT_CHARS = 4 * 1024 * 1024;
/** Sandbox processes started at most (each costs ~40 MB resident when idle). */
export const TEMPLATE_SANDBOX_PROCESSES = 2;
/** A process not ready by then is killed, so renders never wait on it forever. */
export const TEMPLATE_SANDBOX_START_TIMEOUT_MS = 10_000;

/** Environment the sandbox keeps: never credentials, never NODE_OPTIONS (loaders, preloads). */
const KEPT_ENV = ['TZ', 'LD_LIBRARY_PATH'];

export interface ProcessSandboxOptions {
  processes?: number;
  timeoutMs?: number;
  memoryMb?: number;
}

interface Pending {
  request: SandboxRequest;
  resolve(text: string): void;
  reject(error: Error): void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  /** The one render this process is running; its timer starts when it is sent, not queued. */
  running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  /** The running render was already answered (timed out): the process is being killed. */
  killed: boolean;
  outOfMemory: boolean;
  /** The end of what the process wrote to stderr, to find V8's out-of-memory line in. */
  stderrTail: string;
}

export class ProcessTemplateSandbox implements TemplateSandbox {
  private readonly processes: number;
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private readonly queue: Pending[] = [];
  private readonly slots = new Set<Slot>();
  /** The script each process runs; built at the first render (it reads jsonata's source). */
  private program = '';
  private nextId = 1;
  private closed = false;

  constructor(options: ProcessSandboxOptions = {}) {
    this.processes = options.processes ?? TEMPLATE_SANDBOX_PROCESSES;
    this.timeoutMs = options.timeoutMs ?? TEMPLATE_TIMEOUT_MS;
    this.memoryMb = options.memoryMb ?? TEMPLATE_MEMORY_MB;
  }

  render(job: TemplateJob): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the template sandbox is closed'));
    try {
      this.program ||= sandboxProgram(jsonataSource(), {
        maxDepth: TEMPLATE_MAX_DEPTH,
        maxOutputChars: TEMPLATE_MAX_OUTPUT_CHARS,
      });
    } catch (error) {
      return Promise.reject(new Error('the template sandbox cannot find jsonata', { cause: error }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every process; renders not yet answered fail (plain Error: not the template's fault). */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the template sandbox is closed'));
    const exits = [...this.slots].map((slot) => {
      slot.running?.reject(new Error('the template sandbox is closed'));
      if (slot.running) clearTimeout(slot.running.timer);
      slot.running = undefined;
      const exited = new Promise((resolve) => slot.child.once('close', resolve));
      // Referenced again so that awaiting close() keeps this process alive until they are gone.
      slot.child.ref();
      (slot.child.stderr as Socket | null)?.ref();
      slot.child.kill('SIGKILL');
      return exited;
    });
    // 'close' comes after the child's pipes have ended too, and those may be unreferenced: seen
    // with `serve`, whose event loop emptied here and which ended with exit code 13 (unsettled
    // top-level await) instead of 0. A timer holds the loop until every process is gone.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      await Promise.all(exits);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Hands queued renders to idle processes, and starts processes while renders wait. */
  private dispatch(): void {
    for (const slot of this.slots) {
      const next = slot.ready && !slot.running && !slot.killed ? this.queue.shift() : undefined;
      if (next) this.send(slot, next);
    }
    let starting = [...this.slots].filter((slot) => !slot.ready).length;
    while (this.queue.length > starting && this.slots.size < this.processes) {
      try {
        this.start();
      } catch (error) {
        this.failQueue(`the template sandbox process did not start (${(error as Error).message})`);
        break;
      }
      starting++;
    }
    this.updateRefs();
  }

  private send(slot: Slot, pending: Pending): void {
    const timer = setTimeout(() => {
      slot.killed = true;
      pending.reject(new TemplateError(`template timed out after ${this.timeoutMs} ms`));
      slot.child.kill('SIGKILL');
    }, this.timeoutMs);
    slot.running = { ...pending, timer };
    // A failed send means the process is gone: its 'close' handler answers the render.
    slot.child.send(pending.request, () => undefined);
  }

  private start(): void {
    const env = Object.fromEntries(
      KEPT_ENV.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
    );
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${this.memoryMb}`,
        `--max-semi-space-size=${TEMPLATE_SEMI_SPACE_MB}`,
        '--disallow-code-generation-from-strings',
        '-',
      ],
      { stdio: ['pipe', 'ignore', 'pipe', 'ipc'], env, windowsHide: true },
    );
    const slot: Slot = {
      child,
      ready: false,
      running: undefined,
      killed: false,
      outOfMemory: false,
      stderrTail: '',
    };
    this.slots.add(slot);
    const startTimer = setTimeout(() => child.kill('SIGKILL'), TEMPLATE_SANDBOX_START_TIMEOUT_MS).unref();
    child.stdin?.on('error', () => undefined).end(this.program);
    // V8 reports an exhausted heap on stderr before aborting; nothing else there is kept.
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const text = slot.stderrTail + chunk;
      if (/heap out of memory|Allocation failed/.test(text)) slot.outOfMemory = true;
      slot.stderrTail = text.slice(-100);
    });
    child.on('message', (message: SandboxMessage) => {
      if ('ready' in message) clearTimeout(startTimer);
      this.receive(slot, message);
    });
    // A process that could not be spawned may never emit 'close'.
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(startTimer);
      child.kill('SIGKILL');
      this.retire(slot, error.code ?? error.message);
    });
    child.once('close', (code, signal) => {
      clearTimeout(startTimer);
      this.retire(slot, signal ?? `exit code ${code}`);
    });
  }

  private receive(slot: Slot, message: SandboxMessage): void {
    if ('ready' in message) {
      slot.ready = true;
    } else if (slot.running && !slot.killed && message.id === slot.running.request.id) {
      const { resolve, reject, timer } = slot.running;
      clearTimeout(timer);
      slot.running = undefined;
      if ('text' in message) resolve(message.text);
      else reject(new TemplateError(message.error));
    }
    this.dispatch();
  }

  /** A process ended: answer its render, if any, and let dispatch() start a replacement. */
  private retire(slot: Slot, how: string): void {
    if (!this.slots.delete(slot)) return;
    const running = slot.running;
    if (running && !slot.killed) {
      clearTimeout(running.timer);
      running.reject(
        new TemplateError(
          slot.outOfMemory
            ? `template exceeded its memory limit (${this.memoryMb} MB)`
            : `template stopped the sandbox process (${how})`,
        ),
      );
    } else if (!slot.ready && !this.closed && ![...this.slots].some((other) => other.ready)) {
      // It died before it could run anything: starting another would likely fail the same way.
      this.failQueue(`the template sandbox process did not start (${how})`);
    }
    if (!this.closed) this.dispatch();
  }

  /** Not the templates' fault: a plain Error, which delivery retries. */
  private failQueue(message: string): void {
    const error = new Error(message);
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  /** Processes keep this one alive only while renders are waiting or running (CLI commands exit). */
  private updateRefs(): void {
    const busy = this.queue.length > 0 || [...this.slots].some((slot) => slot.running);
    const method = busy ? 'ref' : 'unref';
    for (const { child } of this.slots) {
      child[method]();
      child.channel?.[method]();
      (child.stderr as Socket | null)?.[method]();
    }
  }
}
