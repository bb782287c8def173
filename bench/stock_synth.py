"""Run main.py with the google provider loaded as shipped: the stock path, for comparison.

    python bench/stock_synth.py        # same environment variables as main.py

Importing the provider's package (``cdktf_cdktf_provider_google``, on cdktn
``cdktn_provider_google``) first loads all of it, Python
submodules and JavaScript modules alike; ``use_lazy_provider()`` then finds it
loaded and keeps it. Everything else is main.py unchanged, so the stacks it
writes must be byte-identical to the app's (tests/test_lazy_provider.py) and
the benchmark (bench/synth_bench.py) times the same work both ways.
Run it in a fresh interpreter: nothing may have imported constructs_lib._provider.google before.
"""

import importlib
import runpy
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from constructs_lib._provider.engine import current_engine  # noqa: E402  (imports nothing of the engine)

importlib.import_module(current_engine().package)  # the whole stock package, on purpose

from constructs_lib._provider.lazy_provider import StockProviderWarning  # noqa: E402

warnings.simplefilter("ignore", StockProviderWarning)
sys.argv = [str(ROOT / "main.py")]
runpy.run_path(str(ROOT / "main.py"), run_name="__main__")
