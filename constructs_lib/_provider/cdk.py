"""The only place that imports cdktf and constructs.

CDK for Terraform was archived by HashiCorp on 2025-12-10 (last release
0.21.0). Keeping every cdktf import here makes a later move to the
community fork (CDK Terrain, ``cdktn``) a rename in this one file.
"""

from .jsii_kernel import use_direct_kernel

use_direct_kernel()  # before the first jsii import starts the kernel: one node process, not two

from cdktf import (  # noqa: E402
    Annotations,
    App,
    Aspects,
    CloudBackend,
    GcsBackend,
    IAspect,
    ITerraformDependable,
    LocalBackend,
    NamedCloudWorkspace,
    Postcondition,
    TaggedCloudWorkspaces,
    TerraformDataSource,
    TerraformOutput,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    Testing,
)
from constructs import Construct, IConstruct  # noqa: E402

__all__ = [
    "Annotations",
    "App",
    "Aspects",
    "CloudBackend",
    "Construct",
    "GcsBackend",
    "IAspect",
    "ITerraformDependable",
    "IConstruct",
    "LocalBackend",
    "NamedCloudWorkspace",
    "Postcondition",
    "TaggedCloudWorkspaces",
    "TerraformDataSource",
    "TerraformOutput",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
]
