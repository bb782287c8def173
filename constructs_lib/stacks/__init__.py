"""The stacks: the only place that turns a validated file (``config``) into construct props (``chain``).

Layer: imports ``facts``, ``config``, ``chain``, ``policies`` (the pack) and ``_provider``.
"""
