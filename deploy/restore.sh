#!/usr/bin/env bash
# Restore a backup made by backup.sh over the configured database and media, then prove the
# restored ledger is intact. Usage: deploy/restore.sh BACKUP_DIR
set -euo pipefail
src="${1:?usage: restore.sh BACKUP_DIR}"
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
setting() { "$py" -c "import os,django;os.environ.setdefault('DJANGO_SETTINGS_MODULE','fundsite.settings.dev');django.setup();from django.conf import settings as s;print($1)"; }

(cd "$src" && sha256sum --check --quiet SHA256SUMS)
engine="$(setting "s.DATABASES['default']['ENGINE']")"
case "$engine" in
  *postgresql*) pg_restore --clean --if-exists --no-owner --single-transaction --dbname="${DATABASE_URL:?}" "$src/database.pgdump" ;;
  *sqlite3*)
    db="$(setting "s.DATABASES['default']['NAME']")"
    "$py" -c "import sqlite3,sys; src=sqlite3.connect(sys.argv[1]); dst=sqlite3.connect(sys.argv[2]); src.backup(dst); dst.close()" "$src/database.sqlite3" "$db" ;;
  *) echo "unsupported database engine: $engine" >&2; exit 2 ;;
esac
media="$(setting "s.MEDIA_ROOT")"
if [ -f "$src/media.tar.gz" ]; then mkdir -p "$media" && tar -C "$media" -xzf "$src/media.tar.gz"; fi
# A backup older than the code is brought up to date before it is checked.
"$py" manage.py migrate --no-input -v0
# The search index holds text analysed by the code that wrote it: rebuild it with this code's.
"$py" manage.py search_rebuild -v0
"$py" manage.py ledger_verify
echo "restored from $src"
