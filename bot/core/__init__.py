"""The core: plain Python that knows no platform, no network and no database."""
