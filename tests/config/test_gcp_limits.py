"""What a deploy would refuse is refused at validation, with the limit and its source: one test per rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_lib.config.bootstrap import parse_bootstrap
from constructs_lib.config import ConfigError
from tests.support.environments import config, one_problem, problems


def service(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "api", "image": "nginx", **fields}]


# -- environment variables -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "X_GOOGLE_TRACE"])
def test_fails_when_an_env_name_is_reserved_by_cloud_run(name):
    assert one_problem(services=service(env={name: "1"})) == (
        f"test.toml: services[api].env.{name}: expected a name other than PORT, K_SERVICE, K_REVISION, "
        'K_CONFIGURATION and X_GOOGLE_… (set by Cloud Run itself; Cloud Run, "Environment variables for services"), '
        f'got the key "{name}"')


def test_names_that_only_resemble_reserved_ones_are_accepted():
    assert set(config(services=service(env={"PORTS": "1", "K_SERVICES": "x", "X_GOOGLE": "y"})).services[0].env) == {
        "PORTS", "K_SERVICES", "X_GOOGLE"}


def test_fails_when_an_env_value_is_over_32_kib_of_utf8():
    value = "é" * (16 * 1024) + "x"  # 32,769 bytes, 16,385 characters
    assert one_problem(services=service(env={"BIG": value})) == (
        "test.toml: services[api].env.BIG: expected a value of at most 32,768 bytes of UTF-8 (Cloud Run, \"Environment "
        'variables for services"), got 32,769 bytes')


def test_an_env_value_of_exactly_32_kib_is_accepted():
    assert len(config(services=service(env={"BIG": "x" * 32 * 1024})).services[0].env["BIG"]) == 32 * 1024


def test_fails_when_a_service_has_more_than_1000_env_vars():
    assert one_problem(services=service(env={f"V{i}": "x" for i in range(1001)})) == (
        'test.toml: services[api].env: expected at most 1,000 environment variables (Cloud Run, "Environment variables '
        'for services"), got 1,001')


def test_1000_env_vars_are_accepted():
    assert len(config(services=service(env={f"V{i}": "x" for i in range(1000)})).services[0].env) == 1000


SA = "api-runner@my-gcp-project.iam.gserviceaccount.com"


def test_env_and_secrets_count_together_up_to_1000():
    # The edges both ways: 1,000 env and one secret is refused at secrets; 999 and one fits.
    env = {f"V{i}": "x" for i in range(1000)}
    assert one_problem(services=service(service_account=SA, env=env, secrets={"S": "sec:1"})) == (
        'test.toml: services[api].secrets: expected at most 1,000 environment variables, env and secrets together '
        '(Cloud Run, "Environment variables for services"), got 1,001')
    del env["V0"]
    found = config(services=service(service_account=SA, env=env, secrets={"S": "sec:1"})).services[0]
    assert (len(found.env), len(found.secrets)) == (999, 1)


def test_a_wrong_cpu_or_memory_is_one_problem_not_a_second_about_their_pairing():
    # A wrong value stands in as the default: 16Gi beside a refused cpu would claim "at least 4 CPU, got nothing".
    (cpu,) = problems(services=service(cpu="99", memory="16Gi"))
    assert cpu.startswith("test.toml: services[api].cpu: expected a CPU limit such as ") and cpu.endswith('got "99"')
    (memory,) = problems(services=service(cpu="8", memory="1Ti"))
    assert memory.startswith("test.toml: services[api].memory: expected a memory limit such as ") and \
        memory.endswith('got "1Ti"')


LABELS_64 = ("expected at most 63 labels (GCP's limit per resource is 64, and the provider adds "
             "goog-terraform-provisioned to each resource it creates)")


@pytest.mark.parametrize("table", ["services", "jobs"])
def test_fails_when_a_workload_has_more_labels_than_fit_beside_the_providers_own(table):
    """The provider adds goog-terraform-provisioned on create (GCP-API-FACTS.md): 64 of the file's would be 65."""
    assert one_problem(**{table: service(labels={f"l{i}": "x" for i in range(64)})}) == (
        f"test.toml: {table}[api].labels: {LABELS_64}, got 64")
    assert one_problem(**{table: service(labels={f"l{i}": "x" for i in range(65)})}) == (
        f"test.toml: {table}[api].labels: {LABELS_64}, got 65")
    assert config(**{table: service(labels={f"l{i}": "x" for i in range(63)})})


def test_64_labels_fit_when_one_is_the_providers_own():
    labels = {**{f"l{i}": "x" for i in range(63)}, "goog-terraform-provisioned": "true"}
    assert len(config(services=service(labels=labels)).services[0].labels) == 64


# -- CPU and memory ----------------------------------------------------------------------------------------------

SERVICE_CPU = ('expected a CPU limit such as "1", "2" or "500m": 1, 2, 4, 6 or 8 CPUs, or from 0.08 to 1 in steps '
               'of 0.001 (Cloud Run, "Configure CPU limits")')
WORKLOAD_CPU = ('expected a CPU limit such as "1", "2" or "4000m": 1, 2, 4, 6 or 8 CPUs (Cloud Run, "Configure CPU '
                'limits"; at least 1 for a job or a worker pool)')


@pytest.mark.parametrize("cpu", ["0", "9", "0.05", "0.07", "70m", "0.0805", "0.075", "1.5", "3.5", "1500m", "79m",
                                 "16", "9000m", "08.0.1", "3", "5", "7", "3000m", "5.0", "7000m", "10"])
def test_fails_when_cpu_is_not_an_amount_cloud_run_takes(cpu):
    # Above 1 CPU only the table's values: 1, 2, 4, 6, 8 ("any of the values shown in the table").
    assert one_problem(services=service(cpu=cpu)) == f'test.toml: services[api].cpu: {SERVICE_CPU}, got "{cpu}"'


@pytest.mark.parametrize("cpu", ["0.08", "80m", "0.5", "500m", "0.123", "123m", "1", "1.0", "2", "4", "6", "8",
                                 "1000m", "2000m", "6000m"])
def test_cpu_amounts_cloud_run_takes_are_accepted(cpu):
    memory = {"4": {"memory": "2Gi"}, "6": {"memory": "4Gi"}, "8": {"memory": "4Gi"}, "6000m": {"memory": "4Gi"}}
    assert config(services=service(cpu=cpu, **memory.get(cpu, {}))).services[0].cpu == cpu


def workload(table: str, **fields: Any) -> dict[str, Any]:
    entry = {"name": "batch", "image": "nginx", **({"instances": 1} if table == "worker_pools" else {}), **fields}
    return {"egress": {"mode": "direct", "static_ip_count": 1}, "network": {"direct_subnet_cidr": "10.124.0.0/24"},
            table: [entry]}


@pytest.mark.parametrize("table", ["jobs", "worker_pools"])
@pytest.mark.parametrize("cpu", ["0.5", "500m", "0.08", "3", "999m"])
def test_fails_when_a_job_or_worker_pool_gets_a_cpu_cloud_run_refuses_them(table, cpu):
    # Below 1 CPU is a service's only: "You must set a minimum of 1 CPU for a Cloud Run job"; worker pools: 1 vCPU.
    assert one_problem(**workload(table, cpu=cpu)) == f'test.toml: {table}[batch].cpu: {WORKLOAD_CPU}, got "{cpu}"'


@pytest.mark.parametrize("table", ["jobs", "worker_pools"])
@pytest.mark.parametrize("memory", ["128Mi", "256Mi", "511Mi"])
def test_fails_when_a_job_or_worker_pool_gets_less_than_512_mib(table, memory):
    assert one_problem(**workload(table, memory=memory)) == (
        f'test.toml: {table}[batch].memory: expected a memory limit such as "512Mi" or "2Gi", from 512Mi to 32Gi '
        f'(Cloud Run, "Configure memory limits" for jobs and worker pools), got "{memory}"')


@pytest.mark.parametrize("table", ["jobs", "worker_pools"])
@pytest.mark.parametrize("cpu, memory", [("1", "512Mi"), ("1000m", "4Gi"), ("8", "32Gi")])
def test_job_and_worker_pool_limits_cloud_run_takes_are_accepted(table, cpu, memory):
    (found,) = getattr(config(**workload(table, cpu=cpu, memory=memory)), table)
    assert (found.cpu, found.memory) == (cpu, memory)


@pytest.mark.parametrize("memory", ["0Mi", "64Mi", "127Mi", "32769Mi", "33Gi", "40000Mi"])
def test_fails_when_memory_is_outside_cloud_runs_range(memory):
    assert one_problem(services=service(memory=memory)) == (
        'test.toml: services[api].memory: expected a memory limit such as "512Mi" or "2Gi", from 128Mi to 32Gi '
        f'(Cloud Run, "Configure memory limits"), got "{memory}"')


@pytest.mark.parametrize("memory", ["0512Mi", "02Gi", "512MI", "512M", " 512Mi", "512Mi\n", "５１２Mi"])
def test_fails_when_memory_is_not_written_as_cloud_run_shows_it(memory):
    # The stack writes memory as given: "0512Mi" would be sent, and read back, as the file spells it.
    assert one_problem(services=service(memory=memory)) == (
        'test.toml: services[api].memory: expected a memory limit such as "512Mi" or "2Gi", from 128Mi to 32Gi '
        f'(Cloud Run, "Configure memory limits"), got {json.dumps(memory, ensure_ascii=False)}')


@pytest.mark.parametrize("memory, cpu", [("128Mi", "1"), ("512Mi", "0.08"), ("32Gi", "8"), ("32768Mi", "8000m")])
def test_memory_amounts_cloud_run_takes_are_accepted(memory, cpu):
    assert config(services=service(cpu=cpu, memory=memory)).services[0].memory == memory


def test_fails_when_memory_needs_more_cpu_than_given():
    assert one_problem(services=service(cpu="2", memory="16Gi")) == (
        'test.toml: services[api].cpu: expected at least 4 CPU for memory = "16Gi" (memory above 8192Mi needs 4 CPU; '
        'Cloud Run, "Configure memory limits"; 1 CPU when cpu is left out), got "2"')


def test_fails_when_memory_needs_more_cpu_than_the_default():
    assert one_problem(services=service(memory="8Gi")) == (
        'test.toml: services[api].cpu: expected at least 2 CPU for memory = "8Gi" (memory above 4096Mi needs 2 CPU; '
        'Cloud Run, "Configure memory limits"; 1 CPU when cpu is left out), got nothing (the key is missing)')


def test_fails_when_a_fraction_of_a_cpu_gets_more_than_512_mib():
    assert one_problem(services=service(cpu="0.25", memory="1Gi")) == (
        'test.toml: services[api].cpu: expected at least 0.5 CPU for memory = "1Gi" (memory above 512Mi needs 0.5 '
        'CPU; Cloud Run, "Configure memory limits"; 1 CPU when cpu is left out), got "0.25"')


def test_fails_when_cpus_need_more_memory_than_the_default():
    assert one_problem(services=service(cpu="4")) == (
        'test.toml: services[api].memory: expected at least 2Gi for cpu = "4" (4 CPUs need 2Gi; Cloud Run, "Configure '
        'CPU limits"; 512Mi when memory is left out), got nothing (the key is missing)')


def test_fails_when_cpus_need_more_memory_than_given():
    assert one_problem(services=service(cpu="8", memory="2Gi")) == (
        'test.toml: services[api].memory: expected at least 4Gi for cpu = "8" (8 CPUs need 4Gi; Cloud Run, '
        '"Configure CPU limits"; 512Mi when memory is left out), got "2Gi"')


# -- instances -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [(-1, "-1"), (1001, "1001"), ("1", '"1"'), (True, "true"), (1.0, "1.0")])
def test_fails_when_min_instances_is_not_0_to_1000(value, shown):
    assert one_problem(services=service(min_instances=value)) == (
        f"test.toml: services[api].min_instances: expected an integer from 0 to 1000, got {shown}")


@pytest.mark.parametrize("value, shown", [(0, "0"), (1001, "1001"), ("2", '"2"'), (False, "false")])
def test_fails_when_max_instances_is_not_1_to_1000(value, shown):
    assert one_problem(services=service(max_instances=value)) == (
        f"test.toml: services[api].max_instances: expected an integer from 1 to 1000, got {shown}")


def test_fails_when_max_instances_is_below_min_instances():
    assert one_problem(services=service(min_instances=5, max_instances=4)) == (
        "test.toml: services[api].max_instances: expected an integer at least services[api].min_instances (5), got 4")


# -- bucket names and regions ------------------------------------------------------------------------------------

GOOGLE = 'not starting with "goog" and not holding "google" or a close misspelling of it such as "g00gle"'


@pytest.mark.parametrize(("bucket", "why"), [
    ("a" * 64, "of at most 63 characters without dots"),
    ("a" * 64 + ".b", "of at most 222 characters with dots, each dot-separated part at most 63"),
    ("goog-state", GOOGLE),
    ("my-google-state", GOOGLE),
    ("my-g00gle-state", GOOGLE),
    ("state.go0g1e.example", GOOGLE),
    ("my..state", "with no two dots in a row"),
    ("192.168.5.4", "that is not an IP address in dotted-decimal notation"),
])
def test_fails_when_gcs_would_refuse_the_bucket_name(bucket, why):
    assert one_problem(state={"bucket": bucket}) == (
        f'test.toml: state.bucket: expected a GCS bucket name {why} (Cloud Storage bucket naming), got "{bucket}"')


@pytest.mark.parametrize("bucket", ["a" * 63, "a" * 63 + "." + "b" * 63, "abc", "192.168.5.4.state", "1.2.3",
                                    "my-gogle-state", "a-goo-gle"])
def test_bucket_names_gcs_takes_are_accepted(bucket):
    assert config(state={"bucket": bucket}).state.bucket == bucket


def test_fails_when_the_bootstrap_bucket_name_is_too_long():
    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"bootstrap": {"project": "my-gcp-project", "bucket": "b" * 64, "location": "EU"}},
                        stack="state", source="state.toml")
    assert [str(p) for p in err.value.problems] == [
        "state.toml: bootstrap.bucket: expected a GCS bucket name of at most 63 characters without dots (Cloud "
        f'Storage bucket naming), got "{"b" * 64}"']


@pytest.mark.parametrize(("region", "closest"), [
    ("asia-northeast9", "asia-northeast3, asia-northeast2, asia-northeast1"),
    ("us-central2", "us-central1, me-central2, europe-central2"),
    ("europe-west5", "europe-west9, europe-west8, europe-west6"),
])
def test_fails_when_the_region_does_not_exist_and_names_the_closest(region, closest):
    found = one_problem(region=region)
    assert found.startswith('test.toml: region: expected a GCP region such as "asia-northeast3" (one of the 42 '
                            "regions that exist, from Google's regions page, read 2026-11-27")
    assert found.endswith(f'the closest are {closest}), got "{region}"'), found


def test_a_region_nothing_resembles_gets_no_suggestion():
    assert one_problem(region="x1") == (
        'test.toml: region: expected a GCP region such as "asia-northeast3" (one of the 42 regions that exist, from '
        "Google's regions page, read 2026-11-27), got \"x1\"")
