"""Live scorebugs: scorecard cells → typed scorebug → compact embed → one pass of ``scorebug-tick``.

Modules, lightest first (none imports google-auth, httpx or rich at import time):

* :mod:`.parse`: the ``Scorebug!B2:S20`` cells → :class:`~.parse.Scorebug` (league.md §3.8.1 rules).
* :mod:`.embed`: the compact embed, the win-probability bar and the voice-channel status text.
* :mod:`.files`: the bot's ``scorecards.json`` / ``voice_channels.json``: read, and atomic updates.
* :mod:`.plan`: pure planner: games + the bot's messages + the channel's overwrite → actions.
* :mod:`.tick`: one ``scorebug-tick`` pass: read, plan, apply, report.
* :mod:`.publish`: ``scorecards list|publish|unpublish``.
"""
