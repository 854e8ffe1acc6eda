#!/usr/bin/env bash
# eden's main job on the embedded sandbox, start to finish, printing each command.
#
# Installs eden into .venv (Python 3.11+ and pip are all it needs), starts the local
# AWS stand-in, creates two environments (one with a long branch name), browses one
# through the sandbox's local router (its "task" is a local nginx; needs nginx and curl),
# lists them, deploys a new image to one and browses it again, shows the endpoints
# document, deletes both, and stops the sandbox. Files go to .demo/ so your own profiles
# are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
echo "==> installing eden with its sandbox (pip install -e '.[sandbox]')"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[sandbox]'

export PATH="$PWD/.venv/bin:$PATH"
export EDEN_CONFIG="$PWD/.demo/eden.toml"
export XDG_DATA_HOME="$PWD/.demo/data"
export EDEN_PROFILE=sandbox
rm -rf .demo && mkdir -p .demo

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
trap 'printf "\n\033[1m$ eden sandbox down\033[0m\n"; eden sandbox down' EXIT

step eden sandbox up
STATUS=$(eden sandbox status -o json)
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$STATUS"; }
IMAGE=$(field 'd["seed"]["image_uris"][0]')
ROUTER=$(field '(d.get("router") or {}).get("url", "")')
HOST=api-feature-login.$(field 'd["seed"]["zone_name"]')
NEW_IMAGE=${IMAGE%:*}:v2
LONG="feature/JIRA-4242-make-the-checkout-page-load-faster-for-everyone"

# A request through the router, as a browser at https://$HOST would send it to the ALB;
# the page's markup is stripped to its text.
browse() {
  printf '\n\033[1m$ curl -H "Host: %s" %s/\033[0m\n' "$HOST" "$ROUTER"
  if [ -z "$ROUTER" ] || ! command -v curl >/dev/null; then
    echo "(skipped: no router or no curl)"; return
  fi
  curl -s -H "Host: $HOST" "$ROUTER/" | sed -e 's/<[^>]*>//g' | grep -v '^$' || true
}

step eden create feature/login --image "$IMAGE" --wait
browse
step eden create "$LONG" --image "$IMAGE"
step eden ls
step eden create feature/login --image "$NEW_IMAGE" --wait
browse
step eden show feature/login
step eden endpoints show
step eden delete feature/login
browse
step eden delete "$LONG"
step eden ls
printf '\n\033[1mdemo finished: two environments created, one browsed, redeployed and browsed again, both deleted.\033[0m\n'
