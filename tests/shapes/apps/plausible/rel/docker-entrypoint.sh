#!/bin/sh
set -e
case "$1" in
  db) shift; exec /app/bin/plausible eval "Plausible.Release.$1" ;;
  run) exec /app/bin/plausible start ;;
  *) exec "$@" ;;
esac
