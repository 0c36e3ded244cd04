// A strict reader of the Prometheus text exposition format 0.0.4, enough to check what
// `GET /metrics` serves: HELP/TYPE comments, samples with escaped label values.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const UNESCAPE: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`not a sample value: "${text}"`);
  return value;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`no metric name in: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label || rest[label.length] !== '=' || rest[label.length + 1] !== '"') {
        throw new Error(`bad label in: ${line}`);
      }
      rest = rest.slice(label.length + 2);
      let value = '';
      for (;;) {
        const char = rest[0];
        if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
        rest = rest.slice(1);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = UNESCAPE[rest[0] ?? ''];
          if (escaped === undefined) throw new Error(`bad escape in: ${line}`);
          value += escaped;
          rest = rest.slice(1);
        } else value += char;
      }
      if (label in labels) throw new Error(`duplicate label ${label} in: ${line}`);
      labels[label] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
    }
    rest = rest.slice(1);
  }
  if (!rest.startsWith(' ')) throw new Error(`no space before the value in: ${line}`);
  return { name, labels, value: parseValue(rest.slice(1)) };
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name = '', rest = ''] = comment;
      (kind === 'HELP' ? help : type).set(name, rest);
    } else if (line.startsWith('#') || line === '') {
      throw new Error(`unexpected line: "${line}"`);
    } else {
      samples.push(parseSample(line));
    }
  }
  return { help, type, samples };
}

/** The value of the one sample with this name and exactly these labels; 0 when absent. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string>): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = exposition.samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted,
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${wanted}`);
  return found[0]?.value ?? 0;
}
