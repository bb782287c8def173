// The google Terraform provider 6.50.0, built from its Go module for the tests
// (tools/google-provider.sh). Its module path has no /v6, so the release tag
// v6.50.0 (commit 956f510990a78614a06730c34e93779171c5e8f7) is known to Go by
// its pseudo-version. go.sum is the provider's own go.sum at that commit plus
// the two lines of the provider module itself.
module google-provider-build

go 1.23

require github.com/hashicorp/terraform-provider-google v1.20.1-0.20250919180509-956f510990a7
