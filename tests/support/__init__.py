"""What the tests share, imported as ``from tests.support.<module> import ...`` (conftest.py holds only fixtures).

- ``paths``: the repository, the tests' own fixture files, and the files the project ships.
- ``environments``: the smallest valid environment, and validating variants of it.
- ``synth``: synthesizing a stack in-process and reading resources back from its JSON.
- ``processes``: child processes (the app, the CLI, make) and snapshots of folders.
- ``documents``: the docs and their fenced blocks.
- ``project``: a copy of the project for the tests that run make.
- ``real_terraform``: the project's Terraform, for the integration tests.

The rehearsal (``make rehearse``: the local GCP API, fake-gcs-server, the driver, the TOML writer) is the
product's ``rehearsal/`` package; tests import it from there.
"""
