// The Terraform that `tfe-bridge init` prints: a workspace notification configuration pointing
// at the route, with the bridge's URL and the signing token as variables (never in the text).

/** `tfe_bridge_prod_runs`: a Terraform name from a route id (which may hold "." and "-"). */
const terraformName = (route: string) => `tfe_bridge_${route.replace(/[^A-Za-z0-9_]/g, '_')}`;

export function terraformSnippet(route: string, signingId: string, secretsFile: string): string {
  return `variable "tfe_bridge_url" {
  type        = string
  description = "Where HCP Terraform reaches the bridge, e.g. https://bridge.example.com"
}

variable "tfe_bridge_token" {
  type        = string
  sensitive   = true
  description = "The route's signing token: ${signingId} in ${secretsFile.replace(/["\\$]/g, '')}"
}

resource "tfe_notification_configuration" "${terraformName(route)}" {
  name             = "tfe-bridge ${route}"
  workspace_id     = tfe_workspace.this.id # your workspace
  enabled          = true
  destination_type = "generic"
  url              = "\${var.tfe_bridge_url}/hooks/${route}"
  token            = var.tfe_bridge_token
  triggers         = ["run:needs_attention", "run:errored", "run:completed", "assessment:drifted"]
}`;
}
