"""Live scorebugs: scorecard cells → typed scorebug → compact embed → one pass of ``scorebug-tick``.

Modules, lightest first (none imports google-auth, httpx or rich at import time):

* :mod:`.parse`: the ``Scorebug!B2:S20`` cells → :class:`~.parse.Scorebug` (league.md §3.8.1 rules).
* :mod:`.embed`: the compact embed, the win-probability bar and the voice-channel status text.
* :mod:`.files`: the bot's ``scorecards.json`` / ``voice_channels.json``: read, and atomic updates.
* :mod:`.marker`: the records leaguectl keeps in its messages' title links, out of members' sight.
* :mod:`.identify`: which of the bot's messages are leaguectl's, and what they record.
* :mod:`.names`: channels as people read them (``#gameday-1``).
* :mod:`.plan`: pure planner: games + leaguectl's messages + the channel's overwrite → actions.
  Its parts: :mod:`.channel` (the channel as found), :mod:`.plan_types` (games in, writes out).
* :mod:`.tick`: one ``scorebug-tick`` pass: read, plan, apply, report.
  :mod:`.apply` makes the plan's Discord writes.
* :mod:`.publish`: ``scorecards list|publish|unpublish``.
"""
