"""Validation of environment files: no synth needed."""

from __future__ import annotations

import pytest

from constructs_lib.config import ConfigError, load_environment, parse_environment
from tests.support.environments import BASE, config, environment, one_problem, problems
from tests.support.paths import SHIPPED



def test_defaults_reproduce_the_gcloud_names():
    cfg = config()
    assert cfg.name == "cloud-run"
    assert (cfg.subnet_name, cfg.connector_name, cfg.router_name, cfg.nat_name) == (
        "cloud-run-subnet", "cloud-run-connector", "cloud-run-router", "cloud-run-nat")
    assert cfg.address_names == ("cloud-run-origin-ip",)
    assert cfg.network.vpc == "default"
    assert (cfg.connector.machine_type, cfg.connector.min_instances, cfg.connector.max_instances) == (
        "e2-micro", 2, 10)
    assert cfg.state.backend == "gcs"
    assert cfg.state.prefix == "cloud-run-egress/test"


def test_several_static_ips_are_numbered_from_one():
    cfg = config(egress={"static_ip_count": 3})
    assert cfg.address_names == ("cloud-run-origin-ip-1", "cloud-run-origin-ip-2", "cloud-run-origin-ip-3")


def test_config_is_frozen():
    cfg = config()
    with pytest.raises(AttributeError):
        cfg.project = "other"  # type: ignore[misc]


def test_every_shipped_environment_file_is_valid():
    for path in SHIPPED:
        assert load_environment(path).stack == path.stem


def test_fails_when_project_missing():
    assert one_problem(project=None) == "test.toml: project: expected a GCP project id (6-30 characters: lowercase " \
        "letters, digits and hyphens, starting with a letter), got nothing (the key is missing)"


def test_fails_when_project_id_malformed():
    assert 'project: expected a GCP project id' in one_problem(project="My_Project")
    assert 'got "My_Project"' in one_problem(project="My_Project")


def test_fails_when_region_malformed():
    assert one_problem(region="Asia Northeast3") == (
        'test.toml: region: expected a GCP region such as "asia-northeast3" (one of the 42 regions that exist, '
        "from Google's regions page, read 2026-11-27; the closest are asia-northeast3, "
        'asia-northeast2, asia-northeast1), got "Asia Northeast3"')


def test_fails_when_region_missing():
    assert one_problem(region=None) == (
        'test.toml: region: expected a GCP region such as "asia-northeast3", got nothing (the key is missing)')


def test_fails_when_name_makes_connector_name_too_long():
    msg = one_problem(name="a-very-long-prefix")
    assert msg.startswith("test.toml: name: expected a resource name prefix")
    assert "^[a-z][-a-z0-9]{0,23}[a-z0-9]$" in msg
    assert msg.endswith('got "a-very-long-prefix"')


@pytest.mark.parametrize("name", ["Run", "run-", "1run"])
def test_fails_when_name_not_rfc1035(name):
    assert one_problem(name=name) == (
        "test.toml: name: expected a resource name prefix of lowercase letters, digits and hyphens, starting with a "
        'letter, at most 15 characters (the connector name "<name>-connector" must match '
        f'^[a-z][-a-z0-9]{{0,23}}[a-z0-9]$), got "{name}"')


def test_fails_on_unknown_top_level_key():
    assert one_problem(projet="x").startswith("test.toml: projet: expected one of the known keys (project,")


def test_fails_on_unknown_key_in_a_table():
    msg = one_problem(connector={"machine": "e2-micro"})
    assert msg.startswith("test.toml: connector.machine: expected one of the known keys (machine_type,")
    assert msg.endswith("got an unknown key (did you mean machine_type?)")


def test_an_unknown_key_is_offered_the_known_key_it_is_closest_to():
    assert one_problem(projet="x").endswith("got an unknown key (did you mean project?)")
    assert one_problem(egress={"static-ip-count": 2}).endswith("got an unknown key (did you mean static_ip_count?)")
    assert one_problem(services=service(imagee="nginx")).startswith("test.toml: services[production].imagee:")
    assert one_problem(services=service(imagee="nginx")).endswith("(did you mean image?)")
    assert one_problem(zzz="x").endswith("got an unknown key")


def test_fails_when_types_are_wrong():
    msg = one_problem(connector={"min_instances": "2"})
    assert msg == 'test.toml: connector.min_instances: expected an integer from 2 to 9, got "2"'


def test_bool_is_not_an_integer():
    assert one_problem(egress={"static_ip_count": True}) == (
        "test.toml: egress.static_ip_count: expected an integer from 1 to 50 (the NAT IPs one gateway can use), "
        "got true")


def test_fails_when_table_is_a_value():
    assert problems(network="default")[0] == 'test.toml: network: expected a table, got "default"'


def test_fails_when_subnet_cidr_missing():
    assert one_problem(network={"vpc": "default"}) == (
        'test.toml: network.subnet_cidr: expected an IPv4 /28 range with no host bits set, such as "10.124.0.0/28", '
        "got nothing (the key is missing)")


@pytest.mark.parametrize("cidr", ["10.124.0.0/24", "10.124.0.1/28", "not-a-cidr", "fd00::/28", "10.124.0.0"])
def test_fails_when_subnet_cidr_not_a_valid_28(cidr):
    msg = one_problem(network={"subnet_cidr": cidr})
    assert msg == ('test.toml: network.subnet_cidr: expected an IPv4 /28 range with no host bits set, '
                   f'such as "10.124.0.0/28", got "{cidr}"')


def test_fails_when_vpc_name_not_rfc1035():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/28", "vpc": "My VPC"}) == (
        "test.toml: network.vpc: expected an RFC 1035 name (lowercase letters, digits and hyphens, starting with a "
        'letter, at most 63 characters), got "My VPC"')


def test_fails_when_host_project_malformed():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/28", "host_project": "HOST"}) == (
        "test.toml: network.host_project: expected a GCP project id (6-30 characters: lowercase letters, digits and "
        'hyphens, starting with a letter), got "HOST"')


def test_fails_when_bucket_missing_with_gcs_backend():
    assert one_problem(state={}) == (
        "test.toml: state.bucket: expected a GCS bucket name (required with the gcs backend), got nothing (the key "
        "is missing)")


def test_local_backend_needs_no_bucket():
    cfg = config(state={"backend": "local"})
    assert (cfg.state.backend, cfg.state.bucket) == ("local", None)


def test_fails_when_backend_unknown():
    assert one_problem(state={"backend": "s3", "bucket": "b-123"}) == (
        "test.toml: state.backend: expected one of 'gcs', 'local', 'cloud', got \"s3\"")


def test_a_refused_backend_invents_no_problem_of_another_backend():
    # backend = "Cloud" also said a bucket was missing and organization and workspace were out of place with "gcs".
    assert one_problem(state={"backend": "Cloud", "organization": "my-org", "workspace": "prod"}) == (
        "test.toml: state.backend: expected one of 'gcs', 'local', 'cloud', got \"Cloud\"")


def test_fails_when_prefix_has_leading_slash():
    found = one_problem(state={"bucket": "bkt", "prefix": "/a"})
    assert found.startswith("test.toml: state.prefix: expected a non-empty object path inside the bucket, without a "
                            "leading slash"), found
    assert found.endswith('got "/a"'), found


@pytest.mark.parametrize("count", [0, 51, -1])
def test_fails_when_static_ip_count_out_of_range(count):
    assert one_problem(egress={"static_ip_count": count}) == (
        f"test.toml: egress.static_ip_count: expected an integer from 1 to 50 "
        f"(the NAT IPs one gateway can use), got {count}")


def test_fails_when_machine_type_unknown():
    assert one_problem(connector={"machine_type": "n1-standard-1"}) == (
        'test.toml: connector.machine_type: expected one of f1-micro, e2-micro, e2-standard-4, got "n1-standard-1"')


@pytest.mark.parametrize("value", [1, 10])
def test_fails_when_connector_min_instances_out_of_range(value):
    assert one_problem(connector={"min_instances": value, "max_instances": 10}) == (
        f"test.toml: connector.min_instances: expected an integer from 2 to 9, got {value}")


@pytest.mark.parametrize("value", [2, 11])
def test_fails_when_connector_max_instances_out_of_range(value):
    found = problems(connector={"min_instances": 2, "max_instances": value})
    assert "test.toml: connector.max_instances: expected an integer from 3 to 10, got " + str(value) in found


def test_fails_when_connector_max_not_greater_than_min():
    assert one_problem(connector={"min_instances": 5, "max_instances": 5}) == (
        "test.toml: connector.max_instances: expected an integer greater than connector.min_instances (5), got 5")


def test_fails_when_log_filter_unknown():
    assert one_problem(nat={"log_filter": "SOME"}) == (
        'test.toml: nat.log_filter: expected one of ERRORS_ONLY, TRANSLATIONS_ONLY, ALL, got "SOME"')


def test_fails_when_min_ports_out_of_range():
    assert one_problem(nat={"min_ports_per_vm": 0}) == (
        "test.toml: nat.min_ports_per_vm: expected an integer from 2 to 65536, got 0")


def service(**fields):
    return [{"name": "production", "image": "asia.gcr.io/p/app:1", **fields}]


@pytest.mark.parametrize("image", ["", "UPPER/app", "app:", "asia.gcr.io/p/app@sha256:abc", "a b",
                                   "registry.example.com:65536/app:1", "registry.example.com:0/app",
                                   "registry.example.com:123456/app"])
def test_fails_when_image_reference_malformed(image):
    assert one_problem(services=service(image=image)) == (
        'test.toml: services[production].image: expected a container image reference such as '
        f'"asia.gcr.io/my-project/app:1.0.0", got "{image}"')


@pytest.mark.parametrize("image", [
    "asia.gcr.io/my-gcp-project/app:1.0.0",
    "gcr.io/my-gcp-project/app",
    "europe-docker.pkg.dev/p/repo/app@sha256:" + "a" * 64,
    "nginx",
    "acme/app:1",  # Docker Hub's: a first part without a dot or a colon is no host (Docker's rule)
    "docker.io/library/nginx:1.27",
    "ghcr.io/acme/app:1",
    "docker.io",  # no slash, so no host: Docker Hub's image docker.io (one rule for the host and the shape)
    "ghcr.io",
])
def test_accepts_image_references(image):
    assert config(services=service(image=image)).services[0].image == image


IMAGE_HOSTS = ("expected an image of a registry Cloud Run deploys from: LOCATION-docker.pkg.dev or [region.]gcr.io "
               "(Artifact Registry), docker.io or no host (Docker Hub), ghcr.io (GitHub Container Registry, public "
               "images); another registry's images come through an Artifact Registry remote repository")


@pytest.mark.parametrize("image", ["quay.io/acme/app:1", "localhost:5000/app:latest", "localhost/app",
                                   "registry.example.com:65535/app:1", "index.docker.io/library/nginx",
                                   "us-python.pkg.dev/p/repo/app", "a.b.gcr.io/p/app", "gcr.io:443/p/app"])
@pytest.mark.parametrize("table", ["services", "jobs", "worker_pools"])
def test_fails_when_the_image_is_of_a_registry_cloud_run_does_not_deploy_from(image, table):
    """Cloud Run refuses such an image when the workload is written (a 400, facts/workloads.py): the file says so
    first, for a service, a job and a worker pool alike."""
    entry = {"name": "sms", "image": image, **({"instances": 1} if table == "worker_pools" else {})}
    mode = dict(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/23"}) if table == "worker_pools" \
        else {}
    assert one_problem(**{table: [entry]}, **mode) == f'test.toml: {table}[sms].image: {IMAGE_HOSTS}, got "{image}"'


@pytest.mark.parametrize("image, shape", [
    ("us-docker.pkg.dev/my-gcp-project/app:1", "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE"),
    ("europe-docker.pkg.dev/p@sha256:" + "a" * 64, "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE"),
    ("gcr.io/app:1", "[region.]gcr.io/PROJECT/IMAGE"),
    ("ghcr.io/app", "ghcr.io/OWNER/IMAGE"),
])
@pytest.mark.parametrize("table", ["services", "jobs"])
def test_fails_when_the_image_path_is_shorter_than_its_registry_holds(image, shape, table):
    """An Artifact Registry image lives in a repository of a project: at a shorter path none exists, and Cloud Run
    would fail the revision (facts/workloads.py, IMAGE_REGISTRIES)."""
    assert one_problem(**{table: [{"name": "sms", "image": image}]}) == (
        f"test.toml: {table}[sms].image: expected an image path of its registry's shape, {shape} (no image exists "
        f'at a shorter path: Cloud Run would fail the revision with "Image not found"), got "{image}"')


def test_fails_when_service_name_invalid():
    assert one_problem(services=[{"name": "Prod", "image": "nginx"}]) == (
        "test.toml: services[0].name: expected a Cloud Run service name (lowercase letters, digits and hyphens, "
        'starting with a letter, at most 49 characters), got "Prod"')


def test_fails_when_service_names_repeat():
    assert one_problem(services=service() + service()) == (
        'test.toml: services[1].name: expected a name not used by services[production], got "production"')


def test_fails_when_services_is_not_an_array_of_tables():
    assert one_problem(services={"name": "x"}) == "test.toml: services: expected an array of tables ([[services]]), " \
        "got a table"


def test_fails_when_service_ingress_unknown():
    assert one_problem(services=service(ingress="all")) == (
        "test.toml: services[production].ingress: expected one of INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY, "
        'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER, got "all"')


def test_fails_when_service_scaling_inverted():
    assert one_problem(services=service(min_instances=5, max_instances=2)) == (
        "test.toml: services[production].max_instances: expected an integer at least services[production].min_instances (5), got 2")


def test_fails_when_min_instances_is_above_the_default_maximum_left_out():
    """Left out, max_instances is Cloud Run's default (facts/gcp.py, CLOUD_RUN_MAX_INSTANCES), and Cloud Run
    refuses a maximum below the minimum: "max_instance_count: must be greater or equal than min_instance_count"."""
    assert one_problem(services=service(min_instances=101)) == (
        "test.toml: services[production].max_instances: expected an integer at least "
        "services[production].min_instances (101), got nothing (Cloud Run's default, 100)")
    assert config(services=service(min_instances=100)).services[0].max_instances is None
    assert config(services=service(min_instances=101, max_instances=101)).services[0].min_instances == 101


def test_fails_when_label_invalid():
    assert one_problem(services=service(labels={"Team": "x"})) == (
        "test.toml: services[production].labels.Team: expected a label key (lowercase letters, digits, - and _, starting "
        'with a letter, at most 63 characters), got the key "Team"')


def test_fails_when_env_value_not_a_string():
    assert one_problem(services=service(env={"PORT": 8080})) == (
        "test.toml: services[production].env.PORT: expected a string, got 8080")


def test_fails_when_service_account_malformed():
    assert one_problem(services=service(service_account="me@example.com")) == (
        "test.toml: services[production].service_account: expected a service account e-mail "
        '(name@project.iam.gserviceaccount.com), got "me@example.com"')


@pytest.mark.parametrize("account", ["app-runner@..iam.gserviceaccount.com", "app-runner@.p.iam.gserviceaccount.com",
                                     "app-runner@my-project..iam.gserviceaccount.com",
                                     "app-runner@example.com:my-project.iam.gserviceaccount.com",
                                     "app-runner@my:project.iam.gserviceaccount.com",
                                     "app-runner@p.iam.gserviceaccount.com",
                                     "app-runner@1project.iam.gserviceaccount.com",
                                     "app-runner@my-project-.iam.gserviceaccount.com"])
def test_fails_when_a_service_accounts_project_part_is_not_a_name(account):
    # The project part is a project id (6-30 characters, starting with a letter), then, in a domain-scoped project,
    # its domain: never a colon.
    assert one_problem(services=service(service_account=account)) == (
        "test.toml: services[production].service_account: expected a service account e-mail "
        f'(name@project.iam.gserviceaccount.com), got "{account}"')


@pytest.mark.parametrize("account", ["app-runner@my-project.iam.gserviceaccount.com",
                                     "app-runner@my-project.example.com.iam.gserviceaccount.com",
                                     "123456789-compute@developer.gserviceaccount.com",
                                     "my-project@appspot.gserviceaccount.com"])
def test_a_service_identity_cloud_run_takes_is_accepted(account):
    # The App Engine default account was refused.
    assert config(services=service(service_account=account)).services[0].service_account == account


def test_fails_when_a_workspace_tag_is_given_twice():
    # ["b", "a", "a"] selects what ["a", "b"] does: a neighbour with those tags was not seen as the same state.
    state = {"backend": "cloud", "organization": "my-org", "workspace_tags": ["b", "a", "a"]}
    assert one_problem(state=state) == (
        'test.toml: state.workspace_tags[2]: expected a tag not already at state.workspace_tags[1], got "a"')


def test_deletion_protection_defaults_to_true_and_can_be_turned_off():
    assert config().services[0].deletion_protection is True
    assert config(services=service(deletion_protection=False)).services[0].deletion_protection is False


def test_reports_every_problem_at_once():
    found = problems(project="X", region=None, connector={"machine_type": "big", "min_instances": 1},
                     network={"subnet_cidr": "10.0.0.0/8"}, services=[{"image": "nginx"}])
    keys = [p.split(": ")[1] for p in found]
    assert keys == ["project", "region", "network.subnet_cidr", "connector.machine_type",
                    "connector.min_instances", "services[0].name"]


def test_stack_name_must_be_usable():
    with pytest.raises(ConfigError) as err:
        parse_environment(environment(), stack="My Env", source="My Env.toml")
    assert [str(p) for p in err.value.problems] == [
        "My Env.toml: (file name): expected a file stem usable as a stack name (lowercase letters, digits and "
        'hyphens, starting with a letter), got "My Env"']


def test_invalid_toml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('project = "x"\nregion = \n')
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    (problem,) = err.value.problems
    assert problem.source == str(path)
    assert problem.expected == "valid TOML"
    assert "line 2" in problem.given


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_environment(tmp_path / "nope.toml")
    assert err.value.problems[0].expected == "a readable TOML file"


def test_base_is_not_mutated_by_helpers():
    config(project="other-project")
    assert BASE["project"] == "my-gcp-project"


def network(**fields):
    return {"subnet_cidr": "10.124.0.0/28", **fields}


def test_subnet_logging_defaults_are_private_google_access_and_the_apis_flow_log_defaults():
    net = config().network
    assert (net.private_ip_google_access, net.flow_logs, net.flow_logs_aggregation_interval,
            net.flow_logs_sampling) == (True, True, "INTERVAL_5_SEC", 0.5)


def test_flow_log_settings_are_read():
    net = config(network=network(flow_logs_aggregation_interval="INTERVAL_10_MIN", flow_logs_sampling=1)).network
    assert (net.flow_logs_aggregation_interval, net.flow_logs_sampling) == ("INTERVAL_10_MIN", 1.0)


def test_flow_logs_and_private_google_access_can_be_turned_off():
    net = config(network=network(flow_logs=False, private_ip_google_access=False)).network
    assert (net.flow_logs, net.private_ip_google_access) == (False, False)


def test_fails_when_flow_log_interval_unknown():
    assert one_problem(network=network(flow_logs_aggregation_interval="5s")) == (
        "test.toml: network.flow_logs_aggregation_interval: expected one of INTERVAL_5_SEC, INTERVAL_30_SEC, "
        'INTERVAL_1_MIN, INTERVAL_5_MIN, INTERVAL_10_MIN, INTERVAL_15_MIN, got "5s"')


@pytest.mark.parametrize("sampling, shown", [(0, "0"), (1.5, "1.5"), (True, "true"), ("0.5", '"0.5"')])
def test_fails_when_flow_log_sampling_out_of_range(sampling, shown):
    assert one_problem(network=network(flow_logs_sampling=sampling)) == (
        f"test.toml: network.flow_logs_sampling: expected a number above 0 and at most 1, such as 0.5, got {shown}")


def test_fails_when_flow_log_settings_given_with_flow_logs_off():
    assert one_problem(network=network(flow_logs=False, flow_logs_sampling=0.5)) == (
        "test.toml: network.flow_logs_sampling: expected no flow log settings with network.flow_logs = false, "
        "got 0.5")


def test_fails_when_private_google_access_not_a_bool():
    assert one_problem(network=network(private_ip_google_access="yes")) == (
        'test.toml: network.private_ip_google_access: expected true or false, got "yes"')


def test_services_are_private_unless_allowed():
    assert config().services[0].allow_unauthenticated is False
    assert config(services=service(allow_unauthenticated=True)).services[0].allow_unauthenticated is True


def test_fails_when_allow_unauthenticated_not_a_bool():
    assert one_problem(services=service(allow_unauthenticated=1)) == (
        "test.toml: services[production].allow_unauthenticated: expected true or false, got 1")


def test_fails_when_prefix_given_with_local_backend():
    assert one_problem(state={"backend": "local", "prefix": "a/b"}) == (
        'test.toml: state.prefix: expected no prefix with backend = "local" (the state is a file next to the '
        'synthesized stack), got "a/b"')
