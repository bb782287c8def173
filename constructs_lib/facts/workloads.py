"""Facts about container images, Cloud Run jobs, worker pools and Secret Manager that validation, the constructs and
the local API rely on, each written once with its source and the date it was read (as ``gcp.py`` for the chain).
Nothing here imports cdktf."""

from __future__ import annotations

import re

from .gcp import RESERVED_ENV_NAMES

__all__ = [
    "JOB_MAX_TASKS", "JOB_TASK_COUNT", "JOB_MAX_RETRIES", "JOB_MAX_RETRIES_RANGE", "JOB_TASK_TIMEOUT_SEC",
    "JOB_MAX_TASK_TIMEOUT_SEC", "JOB_SOURCE", "SECRET_ID", "SECRET_SOURCE", "SECRET_ACCESSOR_ROLE", "SECRET_LATEST",
    "CREDENTIAL_ENV_SUFFIXES", "CREDENTIAL_ENV_NAMES", "WORKER_POOL_LAUNCH_STAGE", "RESERVED_JOB_ENV_NAMES",
    "IMAGE_REGISTRIES", "IMAGE_HOST", "IMAGE_HOSTS_EXPECTED", "image_host", "foreign_image_host", "image_shape_missing",
]

# -- Container images --------------------------------------------------------------------------------------------
# Cloud Run deploys an image straight from Artifact Registry (LOCATION-docker.pkg.dev, and [region.]gcr.io, which
# Artifact Registry serves since Container Registry's shutdown), Docker Hub (docker.io, or no host at all) and,
# for public images, GitHub Container Registry (ghcr.io); an image of any other registry comes through an Artifact
# Registry remote repository (Cloud Run, "Deploy container images to Cloud Run services", "Supported container
# registries and images", read 2026-12-04). Any other host is refused when the service, job or worker pool is
# written: 400 "Expected an image path like [host/]repo-path[:tag and/or @digest], where host is one of
# [region.]gcr.io, [region-]docker.pkg.dev or docker.io but obtained …" (as users met it with ghcr.io in 2024 and
# docker.n8n.io in 2025: ko-build/terraform-provider-ko#205, datawranglerai/self-host-n8n-on-gcr#31).
# Each registry with the path parts its images need after the host: Artifact Registry keeps an image in a
# repository of a project ("you cannot push an image to a path without a repository. For example,
# us-east1-docker.pkg.dev/my-project/my-image:v1 is an invalid image path", Artifact Registry, "Troubleshoot
# Docker", read 2026-12-04), gcr.io in a project, ghcr.io under its owner; Cloud Run takes a shorter path and
# fails the revision: "Image '…' not found."
IMAGE_REGISTRIES = (
    (r"(?:[a-z0-9-]+-)?docker\.pkg\.dev", 3, "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE"),
    (r"(?:[a-z0-9-]+\.)?gcr\.io", 2, "[region.]gcr.io/PROJECT/IMAGE"),
    (r"docker\.io", 1, "docker.io/[NAMESPACE/]IMAGE"),
    (r"ghcr\.io", 2, "ghcr.io/OWNER/IMAGE"),
)
IMAGE_HOST = re.compile("|".join(pattern for pattern, _, _ in IMAGE_REGISTRIES))
IMAGE_HOSTS_EXPECTED = ("an image of a registry Cloud Run deploys from: LOCATION-docker.pkg.dev or [region.]gcr.io "
                        "(Artifact Registry), docker.io or no host (Docker Hub), ghcr.io (GitHub Container "
                        "Registry, public images); another registry's images come through an Artifact Registry "
                        "remote repository")


def image_host(image: str) -> str | None:
    """The registry host an image reference names, or None when it names none (Docker Hub's image).

    The host is what comes before the first ``/`` when it holds a ``.`` or a ``:`` or is ``localhost`` (Docker's
    rule): ``nginx``, ``docker.io`` and ``acme/app`` are Docker Hub's, ``localhost:5000/app`` is a registry's.
    """
    first, slash, _ = image.partition("/")
    return first if slash and ("." in first or ":" in first or first == "localhost") else None


def foreign_image_host(image: str) -> str | None:
    """The registry host of an image reference when Cloud Run does not deploy from it (``IMAGE_HOST``), else None."""
    host = image_host(image)
    return None if host is None or IMAGE_HOST.fullmatch(host) else host


def image_shape_missing(image: str) -> str | None:
    """The shape its registry's images have (``LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE``) when ``image``
    has too few path parts to be one (no image can exist at that path), else None."""
    host = image_host(image)
    if host is None:
        return None
    path = image[len(host) + 1:]
    parts = len(re.split(r"[:@]", path, maxsplit=1)[0].split("/")) if path else 0
    for pattern, least, shape in IMAGE_REGISTRIES:
        if re.fullmatch(pattern, host) and parts < least:
            return shape
    return None


# -- Cloud Run jobs ----------------------------------------------------------------------------------------------
# "Create jobs" (https://cloud.google.com/run/docs/create-jobs, read 2026-12-02): up to 10,000 tasks; each task
# runs at most 10 minutes by default, up to 168 hours (7 days). "Set max retries" (.../configuring/max-retries,
# read 2026-12-02): 0 to 10 retries per task, 3 by default (also google_cloud_run_v2_job's schema default at
# 6.50.0, resource_cloud_run_v2_job.go:346-351). "Set parallelism" (.../configuring/parallelism, read
# 2026-12-02): parallelism is at most the task count; left out (or 0), tasks start as fast as quota allows, so
# the chain counts every task of an execution as running at once.
JOB_SOURCE = "Cloud Run, \"Create jobs\""
JOB_MAX_TASKS = 10_000
JOB_TASK_COUNT = 1  # the API's task count when left out
JOB_MAX_RETRIES = 3
JOB_MAX_RETRIES_RANGE = (0, 10)
JOB_TASK_TIMEOUT_SEC = 600
JOB_MAX_TASK_TIMEOUT_SEC = 168 * 3600
# A job's container runtime contract sets these beside a service's names (Cloud Run, "Configure environment
# variables for jobs": the contract's variables are "reserved and cannot be set"; read 2026-12-04).
RESERVED_JOB_ENV_NAMES = (*RESERVED_ENV_NAMES, "CLOUD_RUN_JOB", "CLOUD_RUN_EXECUTION", "CLOUD_RUN_TASK_INDEX",
                          "CLOUD_RUN_TASK_ATTEMPT", "CLOUD_RUN_TASK_COUNT")


# Worker pools: created with launch_stage BETA, as every example of google_cloud_run_v2_worker_pool in the provider's
# 6.50.0 tests (resource_cloud_run_v2_worker_pool_generated_test.go:64 and on); worker pools were in preview.
WORKER_POOL_LAUNCH_STAGE = "BETA"


# -- Secret Manager ----------------------------------------------------------------------------------------------
# Secret ids: at most 255 characters of letters, digits, - and _ (Secret Manager REST reference, projects.secrets
# .create, "secretId", read 2026-12-02); a version is a positive number or the alias "latest" (Cloud Run,
# "Configure secrets for services", read 2026-12-02). Reading one takes roles/secretmanager.secretAccessor for the
# workload's service account on the secret.
SECRET_SOURCE = "Secret Manager, projects.secrets.create"
SECRET_ID = r"[A-Za-z0-9_-]{1,255}"
SECRET_LATEST = "latest"
SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
# Environment variable names that usually hold a credential (a plain value of one gets a warning).
CREDENTIAL_ENV_SUFFIXES = ("_KEY", "_SECRET", "_TOKEN", "_PASSWORD", "_PASSWD", "_CREDENTIALS")
CREDENTIAL_ENV_NAMES = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "PASSWD", "CREDENTIALS")
