"""Facts about Cloud Run jobs, worker pools and Secret Manager that validation and the constructs rely on, each
written once with its source and the date it was read (as ``gcp.py`` for the chain). Nothing here imports cdktf."""

from __future__ import annotations

from .gcp import RESERVED_ENV_NAMES

__all__ = [
    "JOB_MAX_TASKS", "JOB_TASK_COUNT", "JOB_MAX_RETRIES", "JOB_MAX_RETRIES_RANGE", "JOB_TASK_TIMEOUT_SEC",
    "JOB_MAX_TASK_TIMEOUT_SEC", "JOB_SOURCE", "SECRET_ID", "SECRET_SOURCE", "SECRET_ACCESSOR_ROLE", "SECRET_LATEST",
    "CREDENTIAL_ENV_SUFFIXES", "CREDENTIAL_ENV_NAMES", "WORKER_POOL_LAUNCH_STAGE", "RESERVED_JOB_ENV_NAMES",
]

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
