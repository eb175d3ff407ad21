from bot.infra.job_store import count_pending_candidates, count_unsent_posts, failing_posts
from bot.infra.state import Database


def _post(db: Database, key: str, platform: str, status: str, attempts: int, error: str) -> None:
    db.execute(
        "INSERT INTO posts(key, purpose, platform, channel, card, status, attempts, last_error,"
        " created_at) VALUES (?, 'papers', ?, 'C1', '{}', ?, ?, ?, '2026-11-24T00:00:00+00:00')",
        (key, platform, status, attempts, error or None),
    )


def test_posts_that_keep_failing_are_told_apart_from_those_just_waiting() -> None:
    db = Database(":memory:")
    _post(db, "entry:a", "slack", "sent", 1, "")
    _post(db, "entry:b", "slack", "pending", 1, "ChatError: ratelimited")
    _post(db, "entry:c", "discord", "sending", 3, "ChatError: 401 Unauthorized")
    assert count_unsent_posts(db) == 2
    assert failing_posts(db, 3) == [("discord", "ChatError: 401 Unauthorized")]
    assert count_pending_candidates(db) == 0
