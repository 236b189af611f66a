// pulumi-resource-random serves the `random` package over Pulumi's provider protocol.
package main

import (
	"context"
	"encoding/json"

	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	random "phxstack/tools/pulumi-engine/random"
)

// Both files are written by pulumi-tfgen-random at build time (ignored by git).
//
//go:embed schema.json
var pulumiSchema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

// versioned stamps the provider's version into the schema, as pulumi-random's generate.go
// does for the schema it embeds: tfgen leaves it out.
func versioned(schema []byte) []byte {
	var spec map[string]any
	if err := json.Unmarshal(schema, &spec); err != nil {
		panic(err)
	}
	spec["version"] = random.Version
	out, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	return out
}

func main() {
	meta := tfbridge.ProviderMetadata{PackageSchema: versioned(pulumiSchema), BridgeMetadata: bridgeMetadata}
	tfbridge.Main(context.Background(), "random", random.Provider(bridgeMetadata), meta)
}
