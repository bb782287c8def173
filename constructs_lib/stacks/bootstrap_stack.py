"""The bootstrap stack: creates the state bucket, keeping its own state in a local file.

Deploy it once, before any environment: every environment's GCS backend
needs the bucket to exist. Its own state cannot live in the bucket it
creates, so it is a local file at ``state_path``, which the app puts beside
the bootstrap file, outside the output folder that synth rewrites; losing
that file does not lose the bucket (``prevent_destroy``), it only means the
next deploy must import it.
"""

from __future__ import annotations

from ..config.bootstrap import BootstrapConfig
from .._provider.cdk import Construct, LocalBackend, TerraformOutput, TerraformStack
from .._provider.google import GoogleProvider, ProjectService
from ..chain.state_bucket import StateBucket, StateBucketProps


class BootstrapStack(TerraformStack):
    """The stack of one bootstrap file; its name is the file stem.

    Children: ``Api-storage`` and ``StateBucket``. Outputs: ``state_bucket``
    (the name to put in environments' ``state.bucket``) and ``state_bucket_url``.
    """

    def __init__(self, scope: Construct, id: str, *, config: BootstrapConfig, state_path: str) -> None:
        """Args:
            state_path: the local state file, relative to the stack's folder (``<outdir>/stacks/<id>``),
                where Terraform runs.
        """
        super().__init__(scope, id)
        self.config = config
        GoogleProvider(self, "google", project=config.project)
        LocalBackend(self, path=state_path)
        api = ProjectService(
            self,
            "Api-storage",
            project=config.project,
            service="storage.googleapis.com",
            disable_on_destroy=False,
            disable_dependent_services=False,
        )
        self.bucket = StateBucket(
            self,
            "StateBucket",
            props=StateBucketProps(
                name=config.bucket,
                project=config.project,
                location=config.location,
                noncurrent_versions=config.noncurrent_versions,
            ),
            depends_on=[api],
        )
        TerraformOutput(self, "state_bucket", value=self.bucket.bucket_name,
                        description="The state bucket: put this name in state.bucket of every environment.")
        TerraformOutput(self, "state_bucket_url", value=self.bucket.url, description="The state bucket's gs:// URL.")
