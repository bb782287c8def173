"""Synthesize one stack per environment file.

By default every environments/*.toml, plus the state bucket's bootstrap
stack of each environments/bootstrap/*.toml; ``EGRESS_CONFIG=path/to/file.toml``
synthesizes just that file. The output folder is cdktf's (``CDKTF_OUTDIR``,
else ``cdktf.out``). Every file is validated, and every stack checked against
the chain policies, before anything is written; on a bad file or a violation
the problems are listed and nothing is synthesized.

``make synth`` runs this file directly; ``cdktf synth`` (and ``diff``,
``deploy``) run it through ``cdktf.json``. Both write the same files, manifest
included. Run by the CLI, the app lists its problems on the CLI's own stderr,
once (``constructs_lib/app/console.py``); run directly, it prints the stacks it wrote.
"""

import os
import sys

# jsii prints a banner about Node 20 being past its end of life on every run; Node 20 is a version the
# project tests (README, "Quick start"), so the app silences it itself, whoever runs it.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> int:
    from constructs_lib.app import output_folder, run, synthesized_stacks
    from constructs_lib.app.console import problem_stream, run_by_cdktf_cli
    from constructs_lib.facts.text import one_line

    stderr = problem_stream()
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if sys.argv[1:]:
        # An argument read as nothing would synthesize every file when the user named one.
        given = " ".join(f'"{one_line(arg)}"' for arg in sys.argv[1:])
        print("error: main.py: expected no arguments (the file to synthesize is named by EGRESS_CONFIG="
              f"path/to/file.toml, or make synth ENV=<name>; main.py --help says more), got {given}", file=stderr)
        stderr.flush()
        return 2
    # make says which variable the user named the file with (ENV, STACK), for the message of a missing one.
    named_by = os.environ.get("EGRESS_NAMED_BY")
    code = run(os.environ.get("EGRESS_CONFIG"), stderr=stderr,
               named_by=named_by if named_by in ("ENV", "STACK") else "EGRESS_CONFIG")
    stderr.flush()
    if code == 0 and not run_by_cdktf_cli():
        outdir = output_folder({})
        print(one_line(f"synthesized into {outdir}/stacks/: {', '.join(synthesized_stacks(outdir))}"))
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl-C: no traceback. cdktf may have written part of a stack by then; the next synth rewrites it.
        print("error: interrupted (Ctrl-C); a stack may be written in part: synthesize again", file=sys.stderr)
        sys.exit(130)
