// pulumi-tfgen-random writes the package schema and bridge-metadata.json that
// pulumi-resource-random embeds (tools/pulumi-engine/build runs it before building the provider).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	random "phxstack/tools/pulumi-engine/random"
)

func main() {
	tfgen.Main("random", random.Provider(nil))
}
