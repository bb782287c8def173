"""The only place that imports the CDK engine (cdktf or cdktn) and constructs.

CDK for Terraform was archived by HashiCorp on 2025-12-10 (last release
0.21.0); CDK Terrain (``cdktn``) is its fork, with the same classes under
another module name. The engine is the one installed in this interpreter's
environment (``engine.py``), so the rest of constructs_lib imports these names
from here and never learns which one it runs on.
"""

from importlib import import_module

from .engine import current_engine
from .jsii_kernel import use_direct_kernel

use_direct_kernel()  # before the first jsii import starts the kernel: one node process, not two

from constructs import Construct, IConstruct  # noqa: E402

_core = import_module(current_engine().core)
Annotations = _core.Annotations
App = _core.App
Aspects = _core.Aspects
CloudBackend = _core.CloudBackend
GcsBackend = _core.GcsBackend
IAspect = _core.IAspect
ITerraformDependable = _core.ITerraformDependable
LocalBackend = _core.LocalBackend
NamedCloudWorkspace = _core.NamedCloudWorkspace
Postcondition = _core.Postcondition
Precondition = _core.Precondition
TaggedCloudWorkspaces = _core.TaggedCloudWorkspaces
TerraformDataSource = _core.TerraformDataSource
TerraformElement = _core.TerraformElement
TerraformOutput = _core.TerraformOutput
TerraformResource = _core.TerraformResource
TerraformResourceLifecycle = _core.TerraformResourceLifecycle
TerraformStack = _core.TerraformStack
Testing = _core.Testing

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
    "Precondition",
    "TaggedCloudWorkspaces",
    "TerraformDataSource",
    "TerraformElement",
    "TerraformOutput",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
]
