"""The constructs: one module per GCP resource of the chain (and the state bucket), and the chain composed of them.

Layer: imports ``facts`` and ``_provider`` only. Props are flat, typed and frozen; nothing here reads the
environment file model, a file or an environment variable.
"""
