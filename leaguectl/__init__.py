"""leaguectl: one-pass commands for a Discord sports league's scheduled work."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/leaguectl/leaguectl"
