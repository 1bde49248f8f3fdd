#!/usr/bin/env bash
# Back up the database and uploaded media into one timestamped folder, with checksums.
# Usage: deploy/backup.sh DEST_DIR   (reads DATABASE_URL and MEDIA_ROOT as the site does)
# PostgreSQL: pg_dump's custom format; SQLite: SQLite's online backup, safe while the site runs.
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}"
cd "$(dirname "$0")/.."
# shellcheck source=deploy/database.sh
. deploy/database.sh

out="$dest/fundsite-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
engine="$(setting "s.DATABASES['default']['ENGINE']")"
case "$engine" in
  *postgresql*) pg_dump --format=custom --no-owner --file="$out/database.pgdump" "${DATABASE_URL:?}" ;;
  *sqlite3*)
    db="$(setting "s.DATABASES['default']['NAME']")"
    sqlite_copy "$db" "$out/database.sqlite3" ;;
  *) echo "unsupported database engine: $engine" >&2; exit 2 ;;
esac
media="$(setting "s.MEDIA_ROOT")"
if [ -d "$media" ]; then tar -C "$media" -czf "$out/media.tar.gz" .; fi
(cd "$out" && sha256sum -- * > SHA256SUMS)
echo "$out"
