#!/usr/bin/env bash
# Deploys the tracker to Cloud Run from this folder's Dockerfile (built by
# Cloud Build through `gcloud run deploy --source`). docs/deploy.md lists the
# one-time steps before the first run: the Firestore database, its indexes and
# TTL policies, the signing secret and the service account.
#
# Required environment:
#   GOOGLE_CLOUD_PROJECT  project ID
#   REGION                Cloud Run region, for example europe-west1
#   PUBLIC_BASE_URL       https URL the pixels and links use, ending with "/"
#   ID_TOKEN_AUDIENCE     OAuth client ID of the add-on's Apps Script project
# Optional:
#   SERVICE               Cloud Run service name (default: tracker)
#   SIGNING_SECRET_NAME   Secret Manager secret with the signing secret (default: tracker-signing-secret)
#   SERVICE_ACCOUNT       service account email the tracker runs as (needs roles/datastore.user)
#   FIRESTORE_DATABASE_ID Firestore database (default: "(default)")
#   RETENTION_DAYS        days data is kept after a message's last activity (default: 180)
set -euo pipefail

missing=()
for name in GOOGLE_CLOUD_PROJECT REGION PUBLIC_BASE_URL ID_TOKEN_AUDIENCE; do
  if [[ -z "${!name:-}" ]]; then missing+=("$name"); fi
done
if (( ${#missing[@]} > 0 )); then
  echo "Missing environment variables: ${missing[*]}; see the header of $0 or docs/deploy.md" >&2
  exit 2
fi
if [[ "$PUBLIC_BASE_URL" != https://*/ ]]; then
  echo "PUBLIC_BASE_URL is \"$PUBLIC_BASE_URL\"; expected an https:// URL ending with \"/\", such as https://t.example.com/" >&2
  exit 2
fi

service="${SERVICE:-tracker}"
secret="${SIGNING_SECRET_NAME:-tracker-signing-secret}"
database="${FIRESTORE_DATABASE_ID:-(default)}"

# ^;^ makes ";" the separator, because none of the values may contain it
# while URLs and database IDs may contain commas.
env_vars="^;^PROFILE=production;STORE=firestore;PUBLIC_BASE_URL=${PUBLIC_BASE_URL};ID_TOKEN_AUDIENCE=${ID_TOKEN_AUDIENCE}"
env_vars+=";FIRESTORE_PROJECT_ID=${GOOGLE_CLOUD_PROJECT};FIRESTORE_DATABASE_ID=${database};TRUST_PROXY_HOPS=1"
env_vars+=";RETENTION_DAYS=${RETENTION_DAYS:-180}"

account_flag=()
if [[ -n "${SERVICE_ACCOUNT:-}" ]]; then account_flag=(--service-account="$SERVICE_ACCOUNT"); fi

# --allow-unauthenticated: pixels and tracked links are fetched by anyone's
# mail client, and the API checks Google identity tokens itself.
# The stop timeout in tracker/main.ts assumes Cloud Run's 10-second SIGTERM grace.
gcloud run deploy "$service" \
  --project="$GOOGLE_CLOUD_PROJECT" \
  --region="$REGION" \
  --source=. \
  --allow-unauthenticated \
  --port=8080 \
  --cpu-boost \
  --set-env-vars="$env_vars" \
  --set-secrets="SIGNING_SECRET=${secret}:latest" \
  "${account_flag[@]}"
