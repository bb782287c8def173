"""The GCS bucket that holds Terraform state: the one resource that cannot be recreated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.gcp import STATE_BUCKET_NONCURRENT_VERSIONS
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketVersioning,
)


@dataclass(frozen=True, kw_only=True)
class StateBucketProps:
    """A bucket for Terraform state.

    Attributes:
        name: the bucket name.
        project: the project that owns it.
        location: region, dual-region or multi-region (``ASIA-NORTHEAST3``).
        noncurrent_versions: older versions of each state object kept besides the
            live one; 10 when left out.
    """

    name: str
    project: str
    location: str
    noncurrent_versions: int = STATE_BUCKET_NONCURRENT_VERSIONS


class StateBucket(Construct):
    """A state bucket that keeps history and never goes away by accident.

    - versioning on, so every state write can be rolled back;
    - a lifecycle rule deleting a noncurrent version once ``noncurrent_versions + 1``
      newer versions exist (GCS counts the live one), so history stays bounded;
    - uniform bucket-level access (IAM only, no object ACLs) and public access
      prevention enforced: state holds every resource's attributes;
    - ``force_destroy`` false and Terraform ``prevent_destroy``: a plan that would
      delete the bucket fails.
    """

    def __init__(
        self, scope: Construct, id: str, *, props: StateBucketProps, depends_on: Sequence[ITerraformDependable] = ()
    ) -> None:
        super().__init__(scope, id)
        self.resource = StorageBucket(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            location=props.location,
            versioning=StorageBucketVersioning(enabled=True),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=False,
            lifecycle_rule=[
                StorageBucketLifecycleRule(
                    action=StorageBucketLifecycleRuleAction(type="Delete"),
                    condition=StorageBucketLifecycleRuleCondition(
                        with_state="ARCHIVED", num_newer_versions=props.noncurrent_versions + 1
                    ),
                )
            ],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            depends_on=list(depends_on) or None,
        )

    @property
    def bucket_name(self) -> str:
        return self.resource.name

    @property
    def url(self) -> str:
        """``gs://<name>``, known after apply."""
        return self.resource.url
