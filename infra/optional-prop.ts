// `{ key: value }` only when the value is set: CDK props are optional, and
// exactOptionalPropertyTypes forbids passing them `undefined`.

/** `{ key: value }` when value is set, `{}` otherwise (an empty string and `false` count as unset). */
export function optional<K extends string, V>(key: K, value: V | undefined | '' | false): { [P in K]?: V } {
  return value === undefined || value === '' || value === false ? {} : ({ [key]: value } as { [P in K]: V });
}
