// Built-in templates selectable as `template: { preset: NAME }`. `passthrough` forwards the
// original body byte for byte; the others are JSONata expressions over the parsed payload.

/** JSONata source of each expression preset (passthrough has none: it is not rendered). */
export const PRESET_EXPRESSIONS: Readonly<Record<string, string>> = {};

export const PRESET_NAMES = ['passthrough', ...Object.keys(PRESET_EXPRESSIONS)] as const;
