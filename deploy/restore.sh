#!/usr/bin/env bash
# Restore a backup made by backup.sh over the configured database and media, then prove the
# restored ledger is intact. Usage: deploy/restore.sh BACKUP_DIR
set -euo pipefail
src="${1:?usage: restore.sh BACKUP_DIR}"
cd "$(dirname "$0")/.."
# shellcheck source=deploy/database.sh
. deploy/database.sh

(cd "$src" && sha256sum --check --quiet SHA256SUMS)
engine="$(setting "s.DATABASES['default']['ENGINE']")"
case "$engine" in
  *postgresql*) pg_restore --clean --if-exists --no-owner --single-transaction --dbname="${DATABASE_URL:?}" "$src/database.pgdump" ;;
  *sqlite3*)
    db="$(setting "s.DATABASES['default']['NAME']")"
    sqlite_copy "$src/database.sqlite3" "$db" ;;
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
