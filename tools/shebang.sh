#!/bin/sh
# The first lines of a Python script that the interpreter $1 runs in isolated mode (-I), printed for the Makefile's
# .venv/bin/terraform: a shebang line, or, where the interpreter's path holds a space (a shebang ends at the first
# one: ~/My Projects/egress), /bin/sh starting it, as pip writes its own scripts there. To Python, the two lines
# after `#!/bin/sh` are a string; to sh, `'''exec'` is `exec`.
case "$1" in
*' '*) printf '#!/bin/sh\n%sexec%s "%s" -I "$0" "$@"\n%s\n' "'''" "'" "$1" "' '''" ;;
*) printf '#!%s -I\n' "$1" ;;
esac
