"""Allow ``python -m leaguectl``."""

from leaguectl.cli import main

if __name__ == "__main__":
    main()
