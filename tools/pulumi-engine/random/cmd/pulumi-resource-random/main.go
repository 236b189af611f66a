// pulumi-resource-random serves the `random` package over Pulumi's provider protocol.
package main

import (
	"context"

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

func main() {
	meta := tfbridge.ProviderMetadata{PackageSchema: pulumiSchema, BridgeMetadata: bridgeMetadata}
	tfbridge.Main(context.Background(), "random", random.Provider(bridgeMetadata), meta)
}
