// OPA v1.22.3, built from its Go module for the tests of the HCP Terraform policy set (tools/opa.sh),
// never for `make synth`. go.sum is the module graph `go get github.com/open-policy-agent/opa@v1.22.3`
// wrote, checked against sum.golang.org; OPA v1.22.3 needs Go 1.26.
module opa-build

go 1.26.0

require github.com/open-policy-agent/opa v1.22.3
