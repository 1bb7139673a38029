"""Registers ``leaguectl scorebug-tick`` and ``leaguectl scorecards list|publish|unpublish``."""

from __future__ import annotations

import typer

from leaguectl.passrun import PassContext, run_pass


def register(app: typer.Typer) -> None:
    @app.command("scorebug-tick")
    def scorebug_tick(ctx: typer.Context) -> None:
        """Keep the live-scores channel and voice-channel statuses in step with the published scorecards.

        One bot message per live game, edited only when it changed; voice statuses "AWAY a @ h HOME"
        (" - FINAL" once over, cleared once unpublished); the channel shown only while a game is
        live. The bot's other messages there are never touched. Run every 3 minutes.
        """

        def body(pc: PassContext) -> None:
            from leaguectl.scorebug.tick import run_tick

            run_tick(pc)

        run_pass(ctx, "scorebug-tick", body, lock="scorebug-tick")

    scorecards = typer.Typer(
        help="Manage published scorecards (SCORECARDS_FILE, in the bot's layout).",
        no_args_is_help=True,
    )

    @scorecards.command("list")
    def list_command(ctx: typer.Context) -> None:
        """List the published scorecards."""

        def body(pc: PassContext) -> None:
            from leaguectl.scorebug.publish import list_scorecards

            list_scorecards(pc)

        run_pass(ctx, "scorecards-list", body)

    @scorecards.command("publish")
    def publish_command(
        ctx: typer.Context,
        channel: str = typer.Argument(..., help="The game's text channel: id, <#id>, #name or name."),
        url: str = typer.Argument(
            ..., help="The scorecard: a Google Sheets URL or a spreadsheet key (stored as the sheet's full URL)."
        ),
        publisher: str | None = typer.Option(
            None, "--publisher", help="User id recorded as publisher (default: the bot)."
        ),
    ) -> None:
        """Publish a scorecard for a channel, after checking that its Scorebug tab opens and parses.

        A sheet already published for another channel is refused (unpublish it there first).
        """

        def body(pc: PassContext) -> None:
            from leaguectl.scorebug.publish import publish_scorecard

            publish_scorecard(pc, channel, url, publisher)

        run_pass(ctx, "scorecards-publish", body, lock="scorecards")

    @scorecards.command("unpublish")
    def unpublish_command(
        ctx: typer.Context,
        channel: str = typer.Argument(..., help="The game's text channel: id, <#id>, #name or name."),
    ) -> None:
        """Stop showing a channel's scorecard (the next scorebug-tick removes its scorebug and voice status)."""

        def body(pc: PassContext) -> None:
            from leaguectl.scorebug.publish import unpublish_scorecard

            unpublish_scorecard(pc, channel)

        run_pass(ctx, "scorecards-unpublish", body, lock="scorecards")

    app.add_typer(scorecards, name="scorecards")
