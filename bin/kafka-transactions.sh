#!/bin/sh
# Kafka's bin/kafka-transactions.sh for Gregor: runs the compiled `kafka-transactions` (see docs/tools.md).
js="$(dirname "$0")/../dist/src/cli/bin/kafka-transactions.js"
if [ ! -f "$js" ]; then echo "Gregor is not built yet: run 'npm run build' in $(cd "$(dirname "$0")/.." && pwd) first." >&2; exit 1; fi
exec node "$js" "$@"
