"""Private: every import of cdktf (``cdk``) and of the google provider (``google``), the jsii kernel started
directly, and the provider loaded lazily.

Moving to CDK Terrain (``cdktn``) is a rename in ``cdk.py``, ``google.py`` and the pins of ``lazy_provider``.
"""
