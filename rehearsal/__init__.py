"""The rehearsal: a stack deployed with the real google provider against a local GCP API (``make rehearse``).

A product command, not a test helper: users run it, and the tests import it.

- ``driver``: the rehearsal itself (synth, seed, deploy, a second plan that must be empty, the outputs).
- ``localgcp``: the local GCP API the provider deploys against, one module per API.
- ``gcs``: fake-gcs-server, where the stack's GCS backend keeps its state.
- ``tomlfile``: an environment document written back as TOML (a file's earlier stage).

It imports ``constructs_lib``; ``constructs_lib`` never imports it.
"""
