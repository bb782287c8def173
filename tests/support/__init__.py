"""What the tests share, imported as ``from tests.support.<module> import ...`` (conftest.py holds only fixtures).

- ``paths``: the repository, the tests' own fixture files, and the files the project ships.
- ``environments``: the smallest valid environment, and validating variants of it.
- ``synth``: synthesizing a stack in-process and reading resources back from its JSON.
- ``processes``: child processes (the app, the CLI, make) and snapshots of folders.
- ``tomlfile``: writing an environment document back as TOML.
- ``real_terraform``: the project's Terraform and fake-gcs-server, for the integration tests.
- ``localgcp``: the local GCP API the real provider deploys against; ``rehearsal``: ``make rehearse``.
"""
