#!/bin/sh
# Control script for the demo service: start|stop|restart|status|upgrade|rollback|break|fix|drain|logs|
# migrate|downgrade|schema.
# A thin wrapper; the logic is in ctl.mjs (see its header for commands and environment).
exec node "$(dirname "$0")/ctl.mjs" "$@"
