#!/usr/bin/env bash
# Turns on the Firestore TTL policies of the tracker's collection groups: each
# document kind carries an `expiresAt` Timestamp, and Firestore deletes a
# document typically within 24 hours after that time. TTL does not delete
# subcollections, which is why hits, counters and self-views carry their own
# `expiresAt`. firestore.indexes.json already exempts those fields from
# single-field indexing; this script sets only the TTL part.
#
# Usage: scripts/firestore-ttl.sh [--database=ID]   (project from gcloud config
# or GOOGLE_CLOUD_PROJECT; database defaults to FIRESTORE_DATABASE_ID or "(default)")
set -euo pipefail

database="${FIRESTORE_DATABASE_ID:-(default)}"
for argument in "$@"; do
  case "$argument" in
    --database=*) database="${argument#--database=}" ;;
    *) echo "unknown argument: $argument (expected --database=ID)" >&2; exit 2 ;;
  esac
done

project_flag=()
if [[ -n "${GOOGLE_CLOUD_PROJECT:-}" ]]; then project_flag=(--project="$GOOGLE_CLOUD_PROJECT"); fi

for group in messages hits counters selfViews; do
  echo "Enabling TTL on ${group}.expiresAt in database ${database}"
  gcloud firestore fields ttls update expiresAt \
    --collection-group="$group" \
    --enable-ttl \
    --database="$database" \
    "${project_flag[@]}" \
    --async
done
echo "TTL policies requested; check them with: gcloud firestore fields ttls list --database=\"$database\""
