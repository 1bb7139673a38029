"""Applying a ``scorebug-tick`` plan: the Discord writes, in the plan's order, each one item.

Under ``--dry-run`` nothing is written and every write is reported as it would
have been. A write Discord refuses is an error for its item and the tick goes
on, except that the final-game records are never given up before their new
place is written (see :class:`Applier`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from leaguectl.scorebug.channel import ChannelView, everyone_overwrite
from leaguectl.scorebug.embed import embed_signature
from leaguectl.scorebug.identify import FinalLine
from leaguectl.scorebug.names import Labels
from leaguectl.scorebug.plan import visibility_change
from leaguectl.scorebug.plan_types import (
    DeleteMessage,
    EditScorebug,
    RewriteRecords,
    ScorebugWrite,
    SetVisibility,
    SetVoiceStatus,
    TickPlan,
    WriteLedger,
    ledger_embed,
)

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.passrun import PassContext
    from leaguectl.scorebug.marker import VoiceRecord

SHOW_REASON = "Active games in progress"
HIDE_REASON = "No active games"
CLEAR_REASON = "Scorecard no longer published"


def default_color(pc: PassContext) -> int:
    """The colour of the "Final scores" message: ``DEFAULT_EMBED_COLOR``, the league green when it is not hex."""
    try:
        return int(pc.settings.default_embed_color.strip().removeprefix("#"), 16)
    except ValueError:
        return 0xA6CE39


class Applier:
    """Executes a :class:`TickPlan`; under ``--dry-run`` it only reports.

    When the write that should carry the final-game records (the holder's
    scorebug or the ledger) is refused, the writes that would give those
    records up elsewhere (strips, deletions) wait for a later tick, so a
    refusal never costs a record.
    """

    def __init__(
        self, pc: PassContext, discord: DiscordClient, channel: ChannelView | None, plan: TickPlan, label: Labels
    ) -> None:
        self.pc = pc
        self.discord = discord
        self.channel = channel
        self.plan = plan
        self.label = label
        self.voice_failed: set[str] = set()
        self.carrier_failed = False

    def apply(self) -> None:
        plan = self.plan
        for write in plan.voice:
            self._guarded(self.label(write.game_id), partial(self._voice, write))
        if plan.ledger is not None and not self._guarded(self._live_label, partial(self._ledger, plan.ledger)):
            self.carrier_failed = True
        for action in plan.scorebugs:
            if action.releases_finals and self._keep_records(action.game_id):
                continue
            if not self._guarded(self.label(action.game_id), partial(self._scorebug, action)) and action.finals:
                self.carrier_failed = True
        deletes = [d for d in plan.deletes if not (d.holds_finals and self._keep_records(d.game_id, d.message_id))]
        if deletes:
            self._guarded(self._live_label, partial(self._deletes, deletes))
        if plan.visibility is not None and self.channel is not None:
            self._guarded(self._live_label, partial(self._visibility, plan.visibility))

    @property
    def _live_label(self) -> str | None:
        return self.label(self.channel.channel_id) if self.channel is not None else None

    def _keep_records(self, game_id: str | None, message_id: str | None = None) -> bool:
        """True (and reported) when final records must stay where they are this tick."""
        if self.carrier_failed:
            self.pc.report.skip(
                "kept: it holds final-game records and their new place could not be written",
                item=self.label(game_id) or self._live_label,
                message=message_id,
            )
        return self.carrier_failed

    def _guarded(self, item: str | None, step: Callable[[], None]) -> bool:
        """Run one write; a refusal by Discord is an error for that item, and the pass goes on."""
        from leaguectl.discord_rest import DiscordError

        self.pc.checkpoint()
        try:
            step()
        except DiscordError as exc:
            self.pc.report.error(f"Discord refused: {exc}", item=item)
            return False
        return True

    @property
    def channel_id(self) -> str:
        assert self.channel is not None
        return self.channel.channel_id

    @property
    def guild_id(self) -> str:
        return self.pc.guild_id

    def _voice(self, write: SetVoiceStatus) -> None:
        from leaguectl.discord_rest import DiscordError
        from leaguectl.discord_types import UNKNOWN_CHANNEL

        where = {"voice_channel": write.voice_channel_id, "game": self.label(write.game_id)}
        target = self.label(write.voice_channel_id) or write.voice_channel_id
        if write.status is None:
            if not self.pc.dry_run:
                try:
                    self.discord.set_voice_status(write.voice_channel_id, None, reason=CLEAR_REASON)
                except DiscordError as exc:
                    if exc.code != UNKNOWN_CHANNEL:
                        raise
                    self.pc.report.skip("voice channel deleted meanwhile: no status to clear", item=target, **where)
                    return
            self.pc.report.action("clear-voice-status", target, **where)
            return
        if not self.pc.dry_run:
            try:
                self.discord.set_voice_status(write.voice_channel_id, write.status)
            except DiscordError:
                if write.game_id is not None:
                    self.voice_failed.add(write.game_id)
                raise
        self.pc.report.action("set-voice-status", target, status=write.status, **where)

    def _record(self, game_id: str) -> VoiceRecord | None:
        """The record a game's message carries after this tick's writes."""
        if game_id in self.voice_failed:
            return self.plan.record_after_failure(game_id)
        return self.plan.records.get(game_id)

    def _written(self, lines: tuple[FinalLine, ...]) -> tuple[FinalLine, ...]:
        """The final lines as recorded: the old record where this pass failed to write the new one."""
        return tuple(
            line.with_record(self._record(line.game_id)) if line.game_id in self.voice_failed else line
            for line in lines
        )

    def _scorebug(self, action: ScorebugWrite) -> None:
        finals = self._written(action.finals)
        game_id = action.game_id
        where: dict[str, Any] = {"game_channel": game_id}
        if finals:
            where["finals"] = len(finals)
        if isinstance(action, RewriteRecords):
            embed = action.embed(self.guild_id, self._record(game_id), finals)
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed, game_id)
            self.pc.report.action(
                "edit-scorebug-records", self.label(game_id) or game_id, message=action.message_id, **where
            )
            return
        game = action.game
        embed = game.embed(self.guild_id, self._record(game_id), finals)
        where["score"] = game.status
        if isinstance(action, EditScorebug):
            if embed_signature(action.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(action.message_id, embed, game_id)
            self.pc.report.action("edit-scorebug", self.label(game_id) or game_id, message=action.message_id, **where)
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "scorebug", game_id)
        self.pc.report.action("post-scorebug", self.label(game_id) or game_id, message=message_id, **where)

    def _edit_or_repost(self, message_id: str, embed: dict[str, Any], *identity: str) -> None:
        """Edit in place; repost when the message vanished or Discord refuses more edits of it.

        Discord caps edits of messages older than an hour (30046), which a long
        game reaches. The old message is deleted before the new one is posted,
        so a crash in between leaves no duplicate: the next tick posts it.
        """
        from leaguectl.discord_rest import EDIT_LIMIT_OLD_MESSAGE, UNKNOWN_MESSAGE, DiscordError

        try:
            self.discord.edit_message(self.channel_id, message_id, embeds=[embed])
            return
        except DiscordError as exc:
            if exc.code == EDIT_LIMIT_OLD_MESSAGE:
                self.discord.delete_message(self.channel_id, message_id, reason="edit limit reached; reposted")
            elif exc.code != UNKNOWN_MESSAGE:
                raise
        self._post(embed, "repost", *identity, message_id)

    def _post(self, embed: dict[str, Any], *identity: str) -> str:
        """Post one embed whose nonce is its identity in this channel (SPEC §1.8); its message id.

        Two passes at once post it once: Discord answers the second with the
        first. When that first message was deleted meanwhile (a game ended and
        came back within Discord's nonce window), Discord answers 10008; the
        post is made once more under a second identity, the same on every host.
        """
        from leaguectl.discord_rest import UNKNOWN_MESSAGE, DiscordError, identity_nonce

        nonce = identity_nonce(*identity, self.channel_id)
        try:
            message = self.discord.create_message(self.channel_id, embeds=[embed], nonce=nonce)
        except DiscordError as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            nonce = identity_nonce(*identity, self.channel_id, "again")
            message = self.discord.create_message(self.channel_id, embeds=[embed], nonce=nonce)
        return str(message["id"])

    def _ledger(self, ledger: WriteLedger) -> None:
        lines = self._written(ledger.lines)
        embed = ledger_embed(self.guild_id, self.channel_id, lines, default_color(self.pc))
        target = self._live_label or self.channel_id
        if ledger.message_id is not None:
            if ledger.current is not None and embed_signature(ledger.current) == embed_signature(embed):
                return
            if not self.pc.dry_run:
                self._edit_or_repost(ledger.message_id, embed, "final-scores")
            self.pc.report.action("edit-final-scores", target, message=ledger.message_id, games=len(lines))
            return
        message_id = "(new)"
        if not self.pc.dry_run:
            message_id = self._post(embed, "final-scores", *sorted(line.game_id for line in lines))
        self.pc.report.action("post-final-scores", target, message=message_id, games=len(lines))

    def _deletes(self, deletes: list[DeleteMessage]) -> None:
        if not self.pc.dry_run:
            self.discord.delete_messages(
                self.channel_id, [d.message_id for d in deletes], now=self.pc.now, reason="scorebug no longer current"
            )
        for delete in deletes:
            target = self.label(delete.game_id) or self._live_label or self.channel_id
            self.pc.report.action("delete-message", target, message=delete.message_id, reason=delete.reason)

    def _visibility(self, change: SetVisibility) -> None:
        """Show or hide the channel, from the overwrite as it is right now.

        The overwrite is replaced whole, so it is read again just before (GET
        channel): a change an admin made to @everyone's other permissions
        during the pass is kept, and a channel another pass already switched
        is left alone.
        """
        fresh = self.discord.get_channel(self.channel_id)
        if fresh is None:
            self.pc.report.skip("the live-scores channel was deleted during the pass", item=self._live_label)
            return
        allow, deny = everyone_overwrite(fresh.get("permission_overwrites"), self.guild_id)
        view = ChannelView(self.channel_id, self.guild_id, everyone_allow=allow, everyone_deny=deny)
        if view.visible is change.visible:
            return
        target = visibility_change(allow or 0, deny or 0, change.visible)
        if not self.pc.dry_run:
            self.discord.set_permission_overwrite(
                self.channel_id,
                self.guild_id,
                allow=target.allow,
                deny=target.deny,
                kind=0,
                reason=SHOW_REASON if change.visible else HIDE_REASON,
            )
        self.pc.report.action(
            "show-channel" if change.visible else "hide-channel",
            self._live_label or self.channel_id,
            channel=self.channel_id,
        )
