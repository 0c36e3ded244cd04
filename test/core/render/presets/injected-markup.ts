// Finds, in a rendered message, every link, mention or markup that its preset did not put there,
// reading the message the way its service does: Slack parses mrkdwn strings and rich_text
// elements, Teams parses markdown and date functions in TextBlocks and facts (and date functions
// in TextRuns), Discord parses markdown, masked links and mentions in titles, descriptions and
// fields. `url` is the one link a preset may place: the event view's.
const SLACK_DATE = /^<!date\^\d+\^\{date_short_pretty\} at \{time\}\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ>$/;
const TEAMS_DATE =
  /^\{\{DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)\}\} \{\{TIME\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\}\}$/;
const TEAMS_FUNCTION = /\{\{(DATE|TIME)\(/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object in a JSON value, depth first. */
function* objectsOf(value: unknown): Generator<Json> {
  if (Array.isArray(value)) for (const item of value) yield* objectsOf(item);
  else if (isObject(value)) {
    yield value;
    for (const item of Object.values(value)) yield* objectsOf(item);
  }
}

export function slackInjections(message: Json, url: string | null): string[] {
  const found: string[] = [];
  const text = String(message.text);
  // The fallback is mrkdwn: no raw < or >, and & only in the three entities Slack decodes.
  if (/[<>]/.test(text) || /&(?!amp;|lt;|gt;)/.test(text)) found.push(`fallback text: ${text.slice(0, 80)}`);
  for (const object of objectsOf(message.blocks)) {
    if (object.type === 'mrkdwn' && !SLACK_DATE.test(String(object.text)))
      found.push(`mrkdwn: ${object.text}`);
    if (object.type === 'mrkdwn' && object.verbatim !== true) found.push('mrkdwn without verbatim');
    if (object.type === 'link' && object.url !== url) found.push(`rich_text link to ${object.url}`);
    if (['user', 'channel', 'usergroup', 'broadcast', 'team', 'emoji'].includes(String(object.type))) {
      found.push(`rich_text ${object.type}`);
    }
    if (object.type === 'button' && object.url !== url) found.push(`button to ${object.url}`);
  }
  return found;
}

export function teamsInjections(message: Json, url: string | null): string[] {
  const found: string[] = [];
  for (const object of objectsOf(message.attachments)) {
    if (object.type === 'TextBlock' && !TEAMS_DATE.test(String(object.text)))
      found.push(`TextBlock: ${object.text}`);
    if (object.type === 'FactSet' || object.type === 'Fact') found.push('facts are markdown');
    if (object.type === 'TextRun' && TEAMS_FUNCTION.test(String(object.text)))
      found.push(`date function: ${object.text}`);
    if (object.type === 'TextRun' && object.selectAction !== undefined)
      found.push('a TextRun with an action');
    if (object.type === 'Action.OpenUrl' && object.url !== url) found.push(`action to ${object.url}`);
  }
  return found;
}

/** Characters that can start Discord markup anywhere, and list markers at a line start. */
const DISCORD_SPECIAL = new Set(['\\', '*', '_', '~', '|', '`', '<', '>', '[', ']', '(', ')', '#', '@']);
const DISCORD_LIST = /^[ \t]*([-+]|\d+\.)/;

/** Unescaped markup characters in Discord text (`\X` is a literal X). */
function discordMarkup(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    if (DISCORD_LIST.test(line)) found.push(`list marker: ${line.slice(0, 40)}`);
    for (let i = 0; i < line.length; i++) {
      const char = line[i] ?? '';
      if (char === '\\' && /[!-/:-@[-`{-~]/.test(line[i + 1] ?? '')) i++;
      else if (DISCORD_SPECIAL.has(char)) found.push(`"${char}" in ${line.slice(0, 60)}`);
    }
  }
  return found;
}

export function discordInjections(message: Json, url: string | null): string[] {
  const found: string[] = [];
  if (JSON.stringify(message.allowed_mentions) !== '{"parse":[]}') found.push('mentions allowed');
  for (const embed of (message.embeds ?? []) as Json[]) {
    if ((embed.url ?? null) !== url) found.push(`title links to ${embed.url}`);
    found.push(...discordMarkup(String(embed.title ?? '')));
    // The preset's own markup: the subject in bold on the description's first line.
    const [first = '', ...rest] = String(embed.description ?? '').split('\n');
    const bold = /^\*\*(.*)\*\*$/.exec(first);
    found.push(...discordMarkup([bold ? (bold[1] ?? '') : first, ...rest].join('\n')));
    for (const field of (embed.fields ?? []) as Json[]) {
      found.push(...discordMarkup(String(field.name)), ...discordMarkup(String(field.value)));
    }
  }
  return found;
}

export function pagerDutyInjections(event: Json, url: string | null): string[] {
  const links = (event.links ?? []) as Json[];
  return [
    ...links.filter((link) => link.href !== url).map((link) => `link to ${link.href}`),
    ...(event.client_url !== undefined && event.client_url !== url ? [`client_url ${event.client_url}`] : []),
  ];
}
