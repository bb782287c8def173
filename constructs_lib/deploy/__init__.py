"""make diff and make deploy: a saved plan, the plan guard, the apply of exactly that plan (``flow.py``)."""
