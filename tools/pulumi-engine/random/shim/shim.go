// Package shim exposes terraform-provider-random's provider, which lives in an internal package
// that only code under the provider's own module path may import; this module borrows that path.
package shim

import (
	tfpf "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

func NewProvider() tfpf.Provider {
	return provider.New()
}
