"""`leaguectl demo` and `leaguectl sandbox`: a league week against the sandbox, and serving it.

Modules: `timeline` (which pass runs when, from the scenario's `demo` section),
`diff` (what changed between two sandbox snapshots, in a league admin's words),
`expect` (what each pass should have done), `week` (runs the week through the
real commands), `render` (plain text or rich), `serve` (`leaguectl sandbox`).
Imported only by those two commands.
"""
