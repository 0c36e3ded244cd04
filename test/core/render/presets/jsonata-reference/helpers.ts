// JSONata helper functions shared by the presets, spliced at the start of each preset's block.
// Destinations reject over-long fields, so every free text goes through $trunc.
export const JSONATA_HELPERS = `
  $trunc := function($s, $n) {
    $type($s) = "string" ? ($length($s) > $n ? $substring($s, 0, $n - 1) & "…" : $s) : $s
  };
  $iso := function($epoch) {
    $type($epoch) = "number" ? $fromMillis($epoch * 1000, "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z")
  };
`;
