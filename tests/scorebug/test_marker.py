"""The records in a scorebug's title link: round trip, bounds, and any url read safely."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.scorebug.marker import (
    LEDGER,
    SCOREBUG,
    URL_LIMIT,
    FinalRecord,
    Marker,
    VoiceRecord,
    decode_id,
    encode_id,
    parse_marker,
    status_digest,
)

TOP = str((1 << 64) - 1)
SNOWFLAKES = st.integers(min_value=1, max_value=(1 << 64) - 1).map(str)


def test_a_marker_round_trips_its_game_its_voice_record_and_its_final_games() -> None:
    marker = Marker(
        SCOREBUG,
        "1180000000000000000",
        "1180000000000000211",
        VoiceRecord.of("1180000000000000221", "BOS 4 @ 3 NYY"),
        (
            FinalRecord("1180000000000000213", VoiceRecord.of("1180000000000000223", "SEA 5 @ 2 DEN - FINAL")),
            FinalRecord("1180000000000000214"),
        ),
    )
    url = marker.url()
    assert url.startswith("https://discord.com/channels/1180000000000000000/1180000000000000211#lc1.sb.v")
    assert parse_marker(url) == marker


def test_the_link_opens_the_games_channel_and_its_fragment_uses_only_unreserved_characters() -> None:
    url = Marker(SCOREBUG, "1", "2", VoiceRecord.of("3", "A 1 @ 2 B"), (FinalRecord("4"),)).url()
    path, fragment = url.split("#")
    assert path == "https://discord.com/channels/1/2"
    assert set(fragment) <= set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def test_the_digest_is_the_same_on_every_host_and_differs_for_another_status() -> None:
    assert status_digest("BOS 4 @ 3 NYY") == status_digest("BOS 4 @ 3 NYY")
    assert status_digest("BOS 4 @ 3 NYY") != status_digest("BOS 4 @ 3 NYY - FINAL")
    assert len(status_digest("")) == 8


def test_fifty_games_with_the_largest_ids_fit_discords_url_limit() -> None:
    finals = tuple(FinalRecord(TOP, VoiceRecord.of(TOP, f"status {n}")) for n in range(49))
    url = Marker(SCOREBUG, TOP, TOP, VoiceRecord.of(TOP, "live"), finals).url()
    assert len(url) <= URL_LIMIT
    ledger = Marker(LEDGER, TOP, TOP, None, (*finals, FinalRecord(TOP, VoiceRecord.of(TOP, "x")))).url()
    assert len(ledger) <= URL_LIMIT


@pytest.mark.parametrize("bad", ["0", "18446744073709551616", "-1", "1e3", "١٢"])
def test_only_64_bit_snowflakes_are_encoded(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Discord id"):
        encode_id(bad)


@pytest.mark.parametrize(
    "url",
    [
        None,
        42,
        "",
        "https://discord.com/channels/1/2",
        "https://discord.com/channels/1/2#lc2.sb",
        "https://discord.com/channels/1/2#lc1.xx",
        "https://discordapp.com/channels/1/2#lc1.sb",
        "https://discord.com/channels/1/2#lc1.sb" + ".f1" * 1000,
    ],
)
def test_urls_that_are_not_markers_are_not_read_as_ones(url: object) -> None:
    assert parse_marker(url) is None


def test_tokens_that_do_not_parse_are_dropped_and_a_second_voice_token_is_ignored() -> None:
    voice = VoiceRecord.of("7", "A")
    url = f"https://discord.com/channels/1/2#lc1.sb.{voice.token('v')}.vzz.v5-00000000.fzzzzzzzzzzzzzzzzzz.f9.q"
    marker = parse_marker(url)
    assert marker is not None and marker.record == voice and marker.finals == (FinalRecord("9"),)


@settings(max_examples=200, deadline=None)
@given(
    SNOWFLAKES,
    SNOWFLAKES,
    st.none() | st.tuples(SNOWFLAKES, st.text(max_size=60)),
    st.lists(st.tuples(SNOWFLAKES, st.none() | st.tuples(SNOWFLAKES, st.text(max_size=60))), max_size=8),
)
def test_any_records_round_trip(
    guild: str, game: str, voice: tuple[str, str] | None, finals: list[tuple[str, tuple[str, str] | None]]
) -> None:
    marker = Marker(
        SCOREBUG,
        guild,
        game,
        VoiceRecord.of(*voice) if voice else None,
        tuple(FinalRecord(g, VoiceRecord.of(*r) if r else None) for g, r in finals),
    )
    assert parse_marker(marker.url()) == marker


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=300)
    | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", max_size=200).map(
        lambda tail: "https://discord.com/channels/1/2#lc1.sb" + tail
    )
)
def test_any_text_gives_a_marker_or_none(url: str) -> None:
    marker = parse_marker(url)
    if marker is not None:
        ids = [marker.guild_id, marker.channel_id, *(f.game_id for f in marker.finals)]
        assert all(decode_id(encode_id(i)) == i for i in ids)
