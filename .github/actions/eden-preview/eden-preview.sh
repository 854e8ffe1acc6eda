#!/usr/bin/env bash
# The eden preview action: create-and-wait (or delete on close) through eden's REST API,
# then report. Needs curl and jq (both on GitHub's hosted runners).
set -euo pipefail

name=$(jq -rn --arg n "$NAME" '$n | @uri')
gh_api() {  # method path [json]; only when a token was given
  [ -n "$GH_TOKEN" ] || return 0
  curl -sS --fail-with-body -X "$1" "$API/repos/$REPO$2" \
    -H "Authorization: Bearer $GH_TOKEN" -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" ${3:+--data-binary "$3"}
}
status() {  # deployment-id state description [url]
  [ -n "$1" ] || return 0
  body=$(jq -n --arg s "$2" --arg d "${3:0:140}" --arg u "${4:-}" \
    '{state: $s, description: $d, auto_inactive: false} + (if $u != "" then {environment_url: $u} else {} end)')
  gh_api POST "/deployments/$1/statuses" "$body" >/dev/null || echo "::warning::GitHub status not reported"
}

if [ "$ACTION" = "closed" ]; then
  curl -sS --fail-with-body -X DELETE -H "x-api-key: $EDEN_KEY" \
    "$EDEN_URL/api/v1/environments?name=$name" | tee eden.json
  for id in $(gh_api GET "/deployments?environment=preview/pr-$NUMBER&per_page=30" | jq -r '.[].id' || true); do
    status "$id" inactive "Deleted: the pull request was closed"
  done
  echo "operation=delete" >> "$GITHUB_OUTPUT"
  echo "url=" >> "$GITHUB_OUTPUT"
  echo "Preview of #$NUMBER deleted." >> "$GITHUB_STEP_SUMMARY"
  exit 0
fi

[ -n "$IMAGE" ] || { echo "::error::the image input is required to deploy"; exit 2; }
deployment=""
if [ -n "$GH_TOKEN" ]; then
  req=$(jq -n --arg ref "$SHA" --arg env "preview/pr-$NUMBER" \
    '{ref: $ref, environment: $env, auto_merge: false, required_contexts: [],
      transient_environment: true, production_environment: false,
      description: "eden preview"}')
  deployment=$(gh_api POST /deployments "$req" | jq -r '.id // empty' || true)
  status "$deployment" in_progress "Deploying ${SHA:0:7}"
fi

body=$(jq -n --arg image "$IMAGE" '{image: $image}')
code=$(curl -sS -o eden.json -w '%{http_code}' -X PUT --max-time "$((TIMEOUT + 60))" \
  -H "x-api-key: $EDEN_KEY" -H "content-type: application/json" --data-binary "$body" \
  "$EDEN_URL/api/v1/environments?name=$name&wait=ready&ready_timeout=$TIMEOUT")
if [ "$code" -ge 300 ]; then
  message=$(jq -r '.message // "eden answered '"$code"'"' eden.json)
  status "$deployment" failure "Failed: $message"
  echo "::error::eden: $message"
  echo "Preview of #$NUMBER failed: $message" >> "$GITHUB_STEP_SUMMARY"
  exit 1
fi
url=$(jq -r .url eden.json)
status "$deployment" success "Ready: $url" "$url"
echo "url=$url" >> "$GITHUB_OUTPUT"
echo "operation=$(jq -r .operation eden.json)" >> "$GITHUB_OUTPUT"
echo "Preview of #$NUMBER: $url (image \`$IMAGE\`)" >> "$GITHUB_STEP_SUMMARY"
