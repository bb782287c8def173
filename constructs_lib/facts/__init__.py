"""Facts: GCP's limits, ranges, regions and defaults, the NAT's port arithmetic, the Terraform resource types, and
how a user's string becomes a Terraform literal.

Layer: the bottom one. Every other layer may import it; it imports nothing of the package, nor cdktf.
Each fact is written once, here, with its source.
"""
