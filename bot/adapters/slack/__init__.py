"""The Slack adapter (slack-bolt on slack-sdk)."""
