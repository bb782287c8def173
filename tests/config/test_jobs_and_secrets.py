"""[[jobs]] and secrets: what validation takes and refuses (no synth)."""

from __future__ import annotations

import pytest

from tests.support.environments import config, one_problem, problems

IMAGE = "asia.gcr.io/my-gcp-project/settlement:1.0.0"
SA = "settlement@my-gcp-project.iam.gserviceaccount.com"


def job(**keys):
    return {"name": "settlement", "image": IMAGE, **keys}


def test_a_job_takes_every_key_that_fits_a_job():
    (found,) = config(jobs=[job(command=["/app/settle"], args=["--bank", "x"], env={"BANK": "x"}, cpu="2",
                                memory="2Gi", task_count=4, parallelism=2, max_retries=0, task_timeout_sec=3600,
                                service_account=SA, labels={"team": "payments"}, deletion_protection=False)]).jobs
    assert (found.command, found.args, found.task_count, found.parallelism, found.max_retries,
            found.task_timeout_sec, found.deletion_protection) == (("/app/settle",), ("--bank", "x"), 4, 2, 0,
                                                                   3600, False)


def test_a_job_left_to_its_defaults_retries_three_times_and_runs_one_task():
    (found,) = config(jobs=[job()]).jobs
    assert (found.max_retries, found.task_count, found.parallelism, found.tasks_at_once) == (3, None, None, 1)


def test_a_file_with_jobs_and_no_services_is_valid():
    assert config(services=None, jobs=[job()]).services == ()


def test_fails_when_the_task_count_is_outside_what_cloud_run_takes():
    for count in (0, -1, 10_001):
        assert one_problem(jobs=[job(task_count=count)]) == (
            "test.toml: jobs[settlement].task_count: expected an integer from 1 to 10,000 (Cloud Run, \"Create "
            f'jobs"), got {count}')
    assert config(jobs=[job(task_count=10_000)]).jobs[0].task_count == 10_000


def test_fails_when_parallelism_exceeds_the_task_count():
    assert one_problem(jobs=[job(task_count=2, parallelism=3)]) == (
        "test.toml: jobs[settlement].parallelism: expected an integer at most jobs[settlement].task_count (2), got 3")


def test_a_refused_task_count_invents_no_parallelism_problem():
    # It said "task_count (1 when left out)" of a task_count that was given, as a string.
    assert one_problem(jobs=[job(task_count="10", parallelism=5)]) == (
        "test.toml: jobs[settlement].task_count: expected an integer from 1 to 10,000 (Cloud Run, \"Create jobs\"), "
        'got "10"')


def test_fails_when_parallelism_is_above_one_without_a_task_count():
    assert one_problem(jobs=[job(parallelism=2)]) == (
        "test.toml: jobs[settlement].parallelism: expected an integer at most jobs[settlement].task_count (1 when "
        "left out), got 2")


def test_fails_when_max_retries_is_out_of_range():
    assert one_problem(jobs=[job(max_retries=11)]) == (
        'test.toml: jobs[settlement].max_retries: expected an integer from 0 to 10 (Cloud Run, "Set max retries"), '
        "got 11")


def test_fails_when_the_task_timeout_is_above_168_hours():
    assert one_problem(jobs=[job(task_timeout_sec=604_801)]) == (
        "test.toml: jobs[settlement].task_timeout_sec: expected a number of seconds from 1 to 604,800 (168 hours; "
        'Cloud Run, "Create jobs"), got 604801')


def test_fails_when_a_job_has_an_unknown_key_or_no_image():
    assert problems(jobs=[{"name": "settlement", "port": 8080}]) == [
        "test.toml: jobs[settlement].port: expected one of the known keys (name, image, labels, service_account, env, "
        "secrets, cpu, memory, command, args, task_count, parallelism, max_retries, task_timeout_sec, "
        "deletion_protection), got an unknown key",
        'test.toml: jobs[settlement].image: expected a container image reference such as '
        '"asia.gcr.io/my-project/app:1.0.0", got nothing (the key is missing)']


def test_fails_when_two_jobs_share_a_name():
    assert one_problem(jobs=[job(), job()]) == (
        'test.toml: jobs[1].name: expected a name not used by jobs[settlement], got "settlement"')


def test_fails_when_command_holds_something_else_than_strings():
    assert one_problem(jobs=[job(command=["/app", 1])]) == (
        "test.toml: jobs[settlement].command[1]: expected a string, got 1")


def test_adopt_jobs_must_name_a_job_of_the_file():
    assert one_problem(jobs=[job()], adopt={"jobs": ["nightly"]}) == (
        'test.toml: adopt.jobs[0]: expected the name of a [[jobs]] entry of this file (settlement), got "nightly"')
    assert config(jobs=[job()], adopt={"jobs": ["settlement"]}).adopt.jobs == ("settlement",)


# -- capacity: a job's parallelism counts where a service's max_instances does ----------------------------------

def test_in_direct_mode_a_jobs_parallelism_counts_as_instances():
    cfg = config(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/23"},
                 jobs=[job(task_count=50, parallelism=20), job(name="sms", task_count=7)])
    # The service's default 100 instances, 20 tasks at once, 7 tasks (no parallelism: every task at once).
    assert cfg.nat_endpoints == 127


def test_in_connector_mode_the_connector_vms_are_the_endpoints_whatever_the_jobs():
    assert config(jobs=[job(task_count=50, parallelism=20)]).nat_endpoints == 10


def test_the_direct_subnet_must_hold_the_jobs_tasks_too():
    found = one_problem(services=None, egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/26"},
                        jobs=[job(task_count=100, parallelism=40)])
    assert found.startswith("test.toml: network.subnet_cidr: expected an IPv4 range of /25 or larger for Direct VPC "
                            "egress ("), found
    assert "2 × 40 max instances = 80 addresses" in found
    assert found.endswith('got "10.124.16.0/26" (3 blocks of 16 after the 4 addresses GCP keeps in every subnet)')


def test_the_capacity_check_names_the_jobs_parallelism():
    found = one_problem(services=None, egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/24"},
                        jobs=[job(task_count=100, parallelism=100)], nat={"min_ports_per_vm": 1024})
    assert found.startswith("test.toml: nat.min_ports_per_vm: expected ports per VM that every endpoint can "
                            "reserve: "), found
    assert "100 Cloud Run instances (the services' max_instances and the jobs' parallelism (else task_count) " \
           "summed) reserve 1,024 ports each" in found
    assert found.endswith("got 1024")


# -- secrets ------------------------------------------------------------------------------------------------------

def test_secrets_name_a_secret_and_a_version_on_a_service_and_on_a_job():
    cfg = config(services=[{"name": "api", "image": IMAGE, "service_account": SA,
                            "secrets": {"PARTNER_API_KEY": "partner-api-key:latest"}}],
                 jobs=[job(service_account=SA, secrets={"SFTP_PASSWORD": "sftp-password:3"})])
    assert (cfg.services[0].secrets["PARTNER_API_KEY"].secret, cfg.services[0].secrets["PARTNER_API_KEY"].version,
            cfg.jobs[0].secrets["SFTP_PASSWORD"].version) == ("partner-api-key", "latest", "3")
    assert cfg.has_secrets


def test_fails_when_a_secret_has_no_version_or_a_bad_one():
    for value in ("partner-api-key", "partner-api-key:0", "partner-api-key:first", "bad/name:1", ":latest"):
        found = one_problem(jobs=[job(service_account=SA, secrets={"KEY": value})])
        assert found.startswith('test.toml: jobs[settlement].secrets.KEY: expected "<secret id>:<version>"'), found
        assert found.endswith(f'got "{value}"'), found


def test_fails_when_a_name_is_in_both_env_and_secrets():
    assert one_problem(jobs=[job(service_account=SA, env={"KEY": "x"}, secrets={"KEY": "key:1"})]) == (
        "test.toml: jobs[settlement].secrets.KEY: expected a name not also in jobs[settlement].env (a variable takes "
        'its value from env or from a secret, not both), got "KEY" in both')


def test_fails_when_a_workload_with_secrets_names_no_service_account():
    found = one_problem(services=[{"name": "api", "image": IMAGE, "secrets": {"KEY": "key:1"}}])
    assert found.startswith("test.toml: services[api].service_account: expected a service account e-mail with "
                            "secrets")
    assert found.endswith("got nothing (the key is missing)")


JOB_RESERVED = ("expected a name other than PORT, K_SERVICE, K_REVISION, K_CONFIGURATION, CLOUD_RUN_JOB, "
                "CLOUD_RUN_EXECUTION, CLOUD_RUN_TASK_INDEX, CLOUD_RUN_TASK_ATTEMPT, CLOUD_RUN_TASK_COUNT and X_GOOGLE_… "
                '(set by Cloud Run itself; Cloud Run, "Environment variables for services")')


def test_fails_when_a_secret_takes_a_name_cloud_run_reserves():
    # env's rule says "set by Cloud Run itself" too: the key tells the two apart.
    assert one_problem(jobs=[job(service_account=SA, secrets={"PORT": "port:1"})]) == (
        f'test.toml: jobs[settlement].secrets.PORT: {JOB_RESERVED}, got the key "PORT"')


@pytest.mark.parametrize("name", ["CLOUD_RUN_JOB", "CLOUD_RUN_EXECUTION", "CLOUD_RUN_TASK_INDEX",
                                  "CLOUD_RUN_TASK_ATTEMPT", "CLOUD_RUN_TASK_COUNT"])
def test_fails_when_a_job_sets_a_name_its_container_contract_reserves(name):
    # Cloud Run sets these in every task ("reserved and cannot be set"); a service may use them.
    assert one_problem(jobs=[job(env={name: "1"})]) == f'test.toml: jobs[settlement].env.{name}: {JOB_RESERVED}, ' \
                                                        f'got the key "{name}"'
    assert one_problem(jobs=[job(service_account=SA, secrets={name: "s:1"})]) == (
        f'test.toml: jobs[settlement].secrets.{name}: {JOB_RESERVED}, got the key "{name}"')
    assert config(services=[{"name": "api", "image": IMAGE, "env": {name: "1"}}]).services[0].env == {name: "1"}


def test_a_credential_as_a_plain_env_value_is_a_warning_that_never_shows_the_value():
    cfg = config(services=[{"name": "api", "image": IMAGE, "env": {"PARTNER_API_KEY": "s3cr3t", "MODE": "live"}}],
                 jobs=[job(env={"DB_PASSWORD": "hunter2", "PASSWORD": "x", "BANK_HOST": "h"})])
    shown = [str(w) for w in cfg.warnings]
    assert [w.split(":")[1].strip() for w in shown] == [
        "services[api].env.PARTNER_API_KEY", "jobs[settlement].env.DB_PASSWORD", "jobs[settlement].env.PASSWORD"]
    assert all("secrets = {" in w and "s3cr3t" not in w and "hunter2" not in w for w in shown)


@pytest.mark.parametrize("name", ["PARTNER_KEY", "APP_SECRET", "GITHUB_TOKEN", "DB_PASSWORD", "DB_PASSWD",
                                  "GCP_CREDENTIALS", "PASSWORD", "SECRET", "TOKEN", "API_KEY", "PASSWD", "CREDENTIALS"])
def test_each_kind_of_credential_name_gets_the_warning(name):
    (warning,) = config(services=[{"name": "api", "image": IMAGE, "env": {name: "v"}}]).warnings
    assert str(warning).split(":")[1].strip() == f"services[api].env.{name}"


def test_a_file_without_credentials_in_env_has_no_warning():
    assert config(services=[{"name": "api", "image": IMAGE, "env": {"MODE": "live", "KEYBOARD": "us"}}]).warnings == ()



# -- worker pools -------------------------------------------------------------------------------------------------

def pool(**keys):
    return {"name": "sms-sender", "image": IMAGE, "instances": 3, **keys}


DIRECT = dict(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/23"})


def test_a_worker_pool_with_direct_egress_counts_its_instances():
    cfg = config(worker_pools=[pool()], **DIRECT)
    assert (cfg.worker_pools[0].instances, cfg.nat_endpoints) == (3, 103)


def test_fails_when_a_file_has_worker_pools_in_connector_mode():
    assert one_problem(worker_pools=[pool()]) == (
        'test.toml: worker_pools: expected worker pools only with egress.mode = "direct" (a worker pool\'s '
        "vpc_access has no connector at google provider 6.50.0: it leaves from the static IPs only by Direct VPC "
        "egress), got 1 worker pool in connector mode")


def test_fails_when_a_worker_pool_has_no_instances():
    assert one_problem(worker_pools=[{"name": "sms-sender", "image": IMAGE}], **DIRECT) == (
        "test.toml: worker_pools[sms-sender].instances: expected an integer from 0 to 1000 (the instances the pool "
        "runs, which the NAT must hold), got nothing (the key is missing)")


def test_adopt_worker_pools_must_name_a_worker_pool_of_the_file():
    assert one_problem(worker_pools=[pool()], adopt={"worker_pools": ["other"]}, **DIRECT) == (
        "test.toml: adopt.worker_pools[0]: expected the name of a [[worker_pools]] entry of this file (sms-sender), "
        'got "other"')
