#!/usr/bin/env bash
# Prove that a backup restores: load a pg_dump custom-format file (pg_dump -Fc) into a fresh,
# scratch database, check its lottery log with `lottery verify-log`, then drop the scratch
# database. Run it on every new backup, and after a restore drill.
#
#   deploy/restore-check.sh DUMP [--expect HEAD:LENGTH]
#
# --expect (and anything after DUMP) goes to `lottery verify-log`: give the head and length the
# latest results bundle published, so that a log cut short since then is caught too.
#
# Environment:
#   RESTORE_ADMIN_URL  a PostgreSQL role that may create and drop databases, as
#                      postgresql://user[:password]@host[:port]/dbname (no query string);
#                      default postgresql://postgres@127.0.0.1:5432/postgres
#   HOUSING_COMMAND    how to run the portal's command line; default "flask --app wsgi"
#                      (from the checkout); "housing" where the wheel is installed
set -euo pipefail

if [[ $# -lt 1 || ! -r $1 ]]; then
    echo "usage: $0 DUMP [--expect HEAD:LENGTH]  (DUMP: a readable pg_dump -Fc file)" >&2
    exit 2
fi
dump=$1
shift

admin=${RESTORE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
read -r -a command <<<"${HOUSING_COMMAND:-flask --app wsgi}"
scratch="housing_restore_check_$(date +%s)_$$"
scratch_url="${admin%/*}/${scratch}"

psql --quiet --no-psqlrc "$admin" -c "CREATE DATABASE \"${scratch}\""
trap 'psql --quiet --no-psqlrc "$admin" -c "DROP DATABASE IF EXISTS \"${scratch}\" WITH (FORCE)"' EXIT

# Restored as the admin role: the check reads the log, it does not need production's roles.
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$scratch_url" "$dump"
echo "restored ${dump} into ${scratch}"

DATABASE_URL=$scratch_url REDIS_URL= "${command[@]}" lottery verify-log "$@"
