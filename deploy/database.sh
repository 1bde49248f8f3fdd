# Shared by backup.sh and restore.sh (sourced, not run): the site's own settings and a safe SQLite copy.
# Both scripts run from the project folder, with PYTHON pointing at the site's interpreter if not .venv.
py="${PYTHON:-.venv/bin/python}"

# setting EXPR: evaluate EXPR against the site's settings (s), as the site itself reads them.
setting() { "$py" -c "import os,django;os.environ.setdefault('DJANGO_SETTINGS_MODULE','fundsite.settings.dev');django.setup();from django.conf import settings as s;print($1)"; }

# sqlite_copy FROM TO: SQLite's online backup, consistent even while the site writes.
sqlite_copy() { "$py" -c "import sqlite3,sys; src=sqlite3.connect(sys.argv[1]); dst=sqlite3.connect(sys.argv[2]); src.backup(dst); dst.close()" "$1" "$2"; }
