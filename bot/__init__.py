"""vadbot: a lab's awesome list of LLM-for-VAD papers, alive in Discord and Slack."""

__version__ = "0.1.0"
