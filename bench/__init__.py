"""Benchmarks of leaguectl: start-up, no-op passes, requests per pass, rate-limit efficiency, scale.

Run ``python bench/run.py all`` (with the project's virtualenv Python); results go to
``bench/RESULTS.md`` and ``bench/results.json``. These are measurements, not tests.
"""
