// Package random maps terraform-provider-random onto the Pulumi package `random`, the way
// pulumi-random's provider module does (its resources.go), for the parts a running provider
// uses: the tokens (`random:index/randomPassword:RandomPassword`, ...), the per-resource hooks
// and the bridge flags. That module is not served by the Go module proxy, so this is our copy of
// those choices; documentation-only settings (docs edits, package metadata for SDK generation)
// are left out because nothing here generates SDKs.
package random

import (
	"context"
	"errors"

	"github.com/terraform-providers/terraform-provider-random/shim"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Version is set by the linker to the pulumi-random version the Python SDK pins (requirements.txt),
// so that the engine matches the plugin to the SDK's resource registrations.
var Version string

// Provider returns the bridge's description of the provider; metadata is the bridge-metadata.json
// that tfgen wrote (empty when tfgen itself runs, which then writes it).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_string": {
				// As pulumi-random: state written before random_string's schema version 1
				// needs no change, only the version bump.
				PreStateUpgradeHook: func(args tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
					if args.PriorStateSchemaVersion == 0 {
						return 1, args.PriorState, nil
					}
					return args.PriorStateSchemaVersion, args.PriorState, nil
				},
			},
			"random_bytes": {ComputeID: computeRandomBytesID},
		},
		Python:                      &tfbridge.PythonInfo{RespectSchemaVersion: true},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
	makeToken := func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}
	prov.MustComputeTokens(tokens.SingleModule("random_", "index", makeToken))
	prov.MustApplyAutoAliases()
	return prov
}

// random_bytes has no natural id in Terraform's sense; pulumi-random uses its base64 value.
func computeRandomBytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b, ok := state["base64"]
	if !ok {
		return "", errors.New("random_bytes: no base64 property in state")
	}
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", errors.New("random_bytes: base64 is not a string")
	}
	return resource.ID(b.StringValue()), nil
}
