// SNS's rules for Publish message attributes (names, data types, values), as the SNS fake
// applies them to the Query parameters MessageAttributes.entry.N.{Name,Value.*}.

export interface SnsAttributes {
  values: Record<string, { dataType: string; value: string }>;
  /** Names, types and values in UTF-8 bytes: SNS counts them toward the message size. */
  bytes: number;
}

const ENTRY =
  /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/;
const NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIX = /^(aws|amazon)\./i;
const TYPE = /^(String|Number|Binary)(\..{1,250})?$/;
/** SNS numbers: up to 38 significant digits (the range check is left out). */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The attributes of a Publish request, or SNS's ParameterValueInvalid message for the first bad one. */
export function validateAttributes(params: URLSearchParams): SnsAttributes | { error: string } {
  const entries = new Map<string, Record<string, string>>();
  for (const [key, value] of params) {
    const match = ENTRY.exec(key);
    if (!match) continue;
    const [, index = '', field = ''] = match;
    const entry = entries.get(index) ?? {};
    entry[field] = value;
    entries.set(index, entry);
  }
  const values: SnsAttributes['values'] = {};
  let bytes = 0;
  for (const entry of entries.values()) {
    const name = entry.Name ?? '';
    const dataType = entry['Value.DataType'] ?? '';
    const value = entry['Value.StringValue'] ?? entry['Value.BinaryValue'];
    const problem = attributeProblem(name, dataType, value);
    if (problem) return { error: problem };
    if (Object.hasOwn(values, name)) return { error: `Message attribute name '${name}' is duplicated.` };
    values[name] = { dataType, value: value ?? '' };
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value ?? '');
  }
  return { values, bytes };
}

function attributeProblem(name: string, dataType: string, value: string | undefined): string | undefined {
  // Names: letters, digits, '-', '_', '.'; no reserved prefix, no leading, trailing or double period.
  if (!NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    return `Invalid message attribute name '${name}'.`;
  }
  if (RESERVED_PREFIX.test(name)) return `Message attribute name '${name}' has a reserved prefix.`;
  if (!dataType) return `The message attribute '${name}' must contain non-empty message attribute type.`;
  if (!TYPE.test(dataType)) {
    return `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`;
  }
  if (value === undefined || value === '') {
    return `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`;
  }
  if (dataType.startsWith('Number')) {
    const digits = value
      .replace(/[eE].*$/, '')
      .replace(/\D/g, '')
      .replace(/^0+/, '');
    if (!NUMBER.test(value) || digits.length > 38)
      return `Could not cast message attribute '${name}' value to number.`;
  }
  if (dataType === 'String.Array' && !isStringArray(value)) {
    return `Invalid value for message attribute '${name}' of type String.Array: must be a JSON array of strings, numbers, booleans or null.`;
  }
  return undefined;
}

function isStringArray(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return (
      Array.isArray(parsed) &&
      parsed.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    );
  } catch {
    return false;
  }
}
