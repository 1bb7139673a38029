"""``cleanup-commands``: warn owners of stale custom commands, delete expired ones, tell the admins.

* :mod:`.planner`: pure decisions over commands, warning records and ``now``.
* :mod:`.records`: the machine-readable marker in the bot's messages and its recovery.
* :mod:`.messages`: the warning DM, deletion DM and admin summary embeds.
  :mod:`.layout` lays their listings out over messages within Discord's limits.
* :mod:`.apply`: one pass: read, plan, apply, report.
  Its steps: :mod:`.gather` (rows and records), :mod:`.creators` (DMs, marks, deletions),
  :mod:`.summary` (the admin summary).

See ``docs/cleanup.md`` for the rules, the day arithmetic and the crash-safety design.
"""
