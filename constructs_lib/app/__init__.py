"""The app: which files, validated together and against each other, into an App; checked synth; where local
state lives; ``run()`` is main.py.

Layer: the top one; imports ``config``, ``stacks``, ``policies`` and ``_provider`` (the last two only when it
builds an App, so validation alone stays fast).
"""

from .build import (
    bootstrap_files,
    build_app,
    cross_file_problems,
    environment_files,
    load_stacks,
    local_state_file,
    output_folder,
    run,
    synth_checked,
    synthesized_stacks,
)

__all__ = [
    "bootstrap_files", "build_app", "cross_file_problems", "environment_files", "load_stacks", "local_state_file",
    "output_folder", "run", "synth_checked", "synthesized_stacks",
]
