"""``[adopt]``: what already exists (built by hand, with gcloud) and the first deploy imports; parsed by
``tables.parse_adopt``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AdoptConfig"]


@dataclass(frozen=True, kw_only=True)
class AdoptConfig:
    """Resources that already exist (built by hand, with gcloud) for the first deploy to import, not create.

    Attributes:
        chain: import the chain's resources the file names: subnets, connector,
            router, NAT, created addresses, and the APIs the stack enables.
        services: names of ``[[services]]`` to import.
        jobs / worker_pools: names of ``[[jobs]]`` / ``[[worker_pools]]`` to import.
    """

    chain: bool = False
    services: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    worker_pools: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return self.chain or bool(self.services) or bool(self.jobs) or bool(self.worker_pools)
