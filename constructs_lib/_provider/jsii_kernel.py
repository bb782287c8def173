"""Start jsii's JavaScript kernel as one node process instead of two.

jsii's Python runtime (1.142.0) starts ``node bin/jsii-runtime.js``, a wrapper
whose only work is to start a second node process, ``lib/program.js`` (the
kernel), speak to it over that child's file descriptor 3, and relay the
child's console output as JSON. The wrapper costs a node start (about 0.1 s on
2 cores) and about 40 MB of memory on every synth. ``use_direct_kernel()``
starts ``lib/program.js`` itself, with descriptor 3 one end of a socket pair
(what the wrapper gives it), the other end read and written by jsii's Python
side exactly as it read and wrote the wrapper's stdout and stdin. The kernel's
own stdout and stderr are this process's: console output reaches the user as
written (the wrapper's JSON relay printed it as ``b'...'``). Node also preloads
``jsii_kernel_preload.js``, which defers cdktf's zip library (``archiver``, used
only by assets) to its first use: about 40% of the time node takes to load cdktf.

Only ``_NodeProcess.start`` and ``stop`` change; what crosses the channel is
byte for byte the same. The pinned jsii version is checked first: another
version keeps jsii's own start (and says nothing), so an upgrade cannot break a
synth, only make it slower until this module is checked against it.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import platform
import socket
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO

PINNED_JSII = "1.142.0"
# Loaded into the kernel before the program: cdktf's zip library loads on first use (see the file).
PRELOAD = Path(__file__).with_name("jsii_kernel_preload.js")
_installed = False
_stock_start = None
_stock_stop = None


class _Kernel:
    """The kernel process and its channel, with the attributes jsii's ``_NodeProcess`` reads."""

    def __init__(self, process: subprocess.Popen[bytes], channel: socket.socket) -> None:
        self.process = process
        self.channel = channel
        self.stdin: IO[bytes] = channel.makefile("wb")
        self.stdout: IO[bytes] = channel.makefile("rb")

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout=timeout)

    def terminate(self) -> None:
        self.process.terminate()


def _start(self) -> None:  # replaces jsii._kernel.providers.process._NodeProcess.start
    environ = os.environ.copy()
    environ["JSII_AGENT"] = f"Python/{platform.python_version()}"
    node = environ.get("JSII_NODE", "node")
    # jsii writes its embedded runtime into a temporary folder (removed at stop): bin/ and lib/ side by side.
    program = Path(self._jsii_runtime()).parents[1] / "lib" / "program.js"
    ours, theirs = socket.socketpair()
    # The kernel speaks the jsii protocol on descriptor 3 (lib/program.js: SyncStdio readFD/writeFD 3).
    # The lowest free descriptor from 3 up: 3 itself goes straight to node; 4..9 through `sh -c` (dash
    # redirects one-digit descriptors only), which puts it on 3 and becomes node; higher, jsii's own start.
    fd = fcntl.fcntl(theirs.fileno(), fcntl.F_DUPFD, 3)
    theirs.close()
    kernel = [node, "--max-old-space-size=4069", "--preserve-symlinks", "--require", str(PRELOAD), str(program)]
    if fd > 9:
        os.close(fd)
        ours.close()
        _stock_start(self)
        return
    command = kernel if fd == 3 else ["/bin/sh", "-c", f'exec "$@" 3<&{fd} {fd}<&-', "sh", *kernel]
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=environ, pass_fds=(fd,))
    finally:
        os.close(fd)
    self._process = _Kernel(process, ours)
    atexit.register(self.stop)
    self.handshake()


def _stop(self) -> None:  # replaces jsii._kernel.providers.process._NodeProcess.stop
    kernel = self.__dict__.get("_process")
    if not isinstance(kernel, _Kernel):
        _stock_stop(self)  # started by jsii's own start (a high descriptor)
        return
    atexit.unregister(self.stop)
    if not kernel.stdin.closed:
        try:
            kernel.stdin.write(b'{"exit":0}\n')
            kernel.stdin.flush()
            kernel.stdin.close()
        except OSError:
            pass  # the kernel has gone already
    try:
        kernel.wait(timeout=5)
    except subprocess.TimeoutExpired:
        kernel.terminate()
    kernel.stdout.close()
    kernel.channel.close()
    self._ctx_stack.close()


def use_direct_kernel() -> bool:
    """Start jsii's kernel without its wrapper process from now on; call before the first jsii import.

    Returns:
        Whether the direct start is in use (False with a jsii version other than the pinned one, or
        where there is no /bin/sh).
    """
    global _installed
    if _installed:
        return True
    try:
        if version("jsii") != PINNED_JSII or not os.path.exists("/bin/sh"):
            return False
    except PackageNotFoundError:
        return False
    from jsii._kernel.providers import process

    global _stock_start, _stock_stop
    _stock_start, _stock_stop = process._NodeProcess.start, process._NodeProcess.stop
    process._NodeProcess.start = _start
    process._NodeProcess.stop = _stop
    _installed = True
    return True
