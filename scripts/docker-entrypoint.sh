#!/bin/sh
# The container's entrypoint (under tini): prepare the volume, then exec vadbot with the
# arguments given (default `run`).
#
# On the first start catalog.repo (the image's default: /data/list, on the volume) does not exist:
# it is created from the catalog bundled in the image, as a git repository with one commit dated
# long ago. So approvals are committed on the volume and survive a rebuild of the image, and the
# first digest does not list every bundled entry as new this week. A lab's own clone at that
# path is used as is.
#
# A mounted config that keeps the example's `catalog.repo: .` points at /app, which is no git
# repository: that is said once, in one line, and the container then waits instead of exiting,
# so `restart: unless-stopped` does not repeat the same failure forever.
set -eu

bundled="${VADBOT_BUNDLED_CATALOG:-/app/catalog}"
data="${VADBOT_DATA:-/data}"
seed_date="2000-01-01T00:00:00+00:00"

# The paths as vadbot itself resolves them (the config file, then VADBOT_* variables). When the
# settings cannot be read, skip this and let vadbot say what is wrong.
if settings=$("${PYTHON:-python}" -c '
import os, pathlib
from bot.settings import load_settings
config = os.environ.get("VADBOT_CONFIG")
s = load_settings(pathlib.Path(config) if config else None, os.environ)
print(s.resolve(s.catalog.repo)); print(s.catalog.path); print(s.catalog.branch)
print(s.resolve(s.state.path))' 2>/dev/null); then
    { read -r repo; read -r folder; read -r branch; read -r state; } <<EOF
$settings
EOF
    case "$repo" in
        "$data"/*) ;;
        *) if ! git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            echo "vadbot: config: catalog.repo is $repo, which is not on the $data volume and" \
                "not a git repository: in the container set catalog.repo: $data/list and" \
                "state.path: $data/vadbot.sqlite3 in your config/vadbot.yaml (as" \
                "config/vadbot.docker.yaml does), then docker compose up -d." \
                "Waiting here rather than restarting." >&2
            exec ${VADBOT_HOLD:-sleep infinity}
        fi ;;
    esac
    if [ ! -e "$repo" ] && [ -d "$bundled" ]; then
        mkdir -p "$repo/$folder"
        cp -R "$bundled/." "$repo/$folder/"
        git init -q -b "$branch" "$repo"
        git -C "$repo" add -A
        GIT_AUTHOR_DATE="$seed_date" GIT_COMMITTER_DATE="$seed_date" git -C "$repo" \
            -c user.name=vadbot -c user.email=vadbot@localhost -c commit.gpgsign=false \
            commit -q -m "The catalog bundled with vadbot"
        echo "vadbot: created the catalog repository $repo from the bundled catalog" >&2
    fi
    case "$state" in
        "$data"/*) ;;
        *) echo "vadbot: warning: state.path $state is not on the $data volume:" \
            "it is lost when the container is recreated" >&2 ;;
    esac
fi

exec "${VADBOT:-vadbot}" "$@"
