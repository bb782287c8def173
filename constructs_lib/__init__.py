"""Constructs for a Cloud Run service with a fixed outbound IP.

The chain: a dedicated subnet → a Serverless VPC Access connector → a
Cloud Router → reserved static IPs → Cloud NAT → Cloud Run services with
all egress through the VPC. ``EgressStack`` builds it from one validated
environment file; the pieces can be composed by hand as well.

Provider classes are loaded only when a construct module is imported, so
``constructs_lib.config`` stays fast for validation.
"""

from .config import ConfigError, EnvironmentConfig, Problem, load_environment

__all__ = ["ConfigError", "EnvironmentConfig", "Problem", "load_environment"]
