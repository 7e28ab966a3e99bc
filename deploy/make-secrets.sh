#!/bin/sh
# Make the shared secrets of a multi-server site once, under deploy/secrets/ (mode 600, never committed).
# Back them up with the database: without audit_key the audit chain cannot be verified.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
[ -f secrets/pg_password ] || python3 -c "import secrets; print(secrets.token_urlsafe(24))" > secrets/pg_password
[ -f secrets/pgpass ] || echo "postgres:5432:pixtralogist:pixtralogist:$(cat secrets/pg_password)" > secrets/pgpass
[ -f secrets/audit_key ] || python3 -c "import secrets; print(secrets.token_hex(32))" > secrets/audit_key
[ -f secrets/session_secret ] || python3 -c "import secrets; print(secrets.token_hex(32))" > secrets/session_secret
[ -f secrets/users ] || { echo "add users with: python -m pixtralogist.ui.auth USER >> deploy/secrets/users"; : > secrets/users; }
echo "secrets in $(pwd)/secrets"
