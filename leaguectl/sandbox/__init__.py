"""A simulated Discord + league API + Google Sheets on loopback, for tests, the demo and CI.

Import it only where it is used (inside a command function or a test): it is
not part of a normal pass. Quick use::

    from leaguectl.sandbox import Sandbox, SandboxClock, demo_scenario

    with Sandbox(demo_scenario(now), clock=SandboxClock(now)) as sb:
        env = sb.env(tmp_path)            # point leaguectl at it
        ...                               # run a pass
        sb.state.messages("transaction-log")

URL shapes served (`{base}` = `Sandbox.base_url`, http://127.0.0.1:PORT):

Discord REST v10, `DISCORD_API_URL` = `{base}/discord/api/v10`, header
`Authorization: Bot <token>`:

    GET    /users/@me
    GET    /oauth2/applications/@me
    GET    /guilds/{guild_id}/channels
    GET    /guilds/{guild_id}/members/{user_id}
    GET    /channels/{channel_id}
    GET    /channels/{channel_id}/messages          ?before|after|around=&limit=1..100
    GET    /channels/{channel_id}/messages/{message_id}
    POST   /channels/{channel_id}/messages
    PATCH  /channels/{channel_id}/messages/{message_id}
    DELETE /channels/{channel_id}/messages/{message_id}
    POST   /channels/{channel_id}/messages/bulk-delete
    POST   /users/@me/channels                      {"recipient_id": ...}
    PUT    /channels/{channel_id}/voice-status      {"status": ...}
    PUT    /channels/{channel_id}/permissions/{overwrite_id}

League API v3, `LEAGUE_API_URL` = `{base}/league` (clients append `/v3/...`),
header `Authorization: Bearer <token>`:

    GET   /v3/current[?season=]          GET/PATCH /v3/current/{id}
    GET   /v3/transactions?season&week_start&week_end&frozen&cancelled&moveid&player_id
    PATCH /v3/transactions/{moveid}?cancelled=&cancelled_at=&frozen=
    GET   /v3/players?season&team_id&name   GET /v3/players/{id}   PATCH /v3/players/{id}?team_id=
    GET   /v3/teams?season&team_abbrev&owner_id   GET /v3/teams/{id}
    GET   /v3/standings?season=
    GET   /v3/custom_commands?name&is_active&warning_sent&last_used__lt&created_at__gte&creator_id
                             &sort&limit&offset&page&page_size
    GET   /v3/custom_commands/creators?id&discord_id&sort&limit
    GET/PUT/DELETE /v3/custom_commands/{id}      (PATCH -> 405)

Google Sheets v4, `SHEETS_API_URL` = `{base}/sheets/v4`, header
`Authorization: Bearer <token from the OAuth endpoint>`:

    GET /spreadsheets/{key}                          metadata (gspread's fetch_sheet_metadata)
    GET /spreadsheets/{key}/values/{range}           range percent-encoded, e.g. %27Scorebug%27%21B2%3AS20
    GET /spreadsheets/{key}/values:batchGet?ranges=..&ranges=..
        (both: valueRenderOption=FORMATTED_VALUE|UNFORMATTED_VALUE|FORMULA, majorDimension=ROWS|COLUMNS)

gspread 6.2 has no base-URL option: its `HTTPClient.request(method, endpoint, ...)`
receives full URLs built from `https://sheets.googleapis.com/v4/spreadsheets...`
(`gspread/urls.py`). A reader points it here by replacing the prefix
`https://sheets.googleapis.com/v4` with `SHEETS_API_URL` in an `HTTPClient`
subclass's `request()`; every path above is then exactly what gspread asks for.

OAuth: `POST {base}/oauth2/token` (the `token_uri` of the service-account file
`env()` writes) with the JWT-bearer grant google-auth sends; answers
`{"access_token", "expires_in": 3600, "token_type": "Bearer"}`.

Control surface (not logged, no auth): `GET /_sandbox/state[?normalized=1]`,
`GET|DELETE /_sandbox/log`, `POST /_sandbox/clock {"now": iso} | {"advance": s}`,
`POST /_sandbox/fault {"k", "kind", "service"?}`, `POST /_sandbox/scenario <scenario>`,
`POST /_sandbox/ban {"on": bool}`, `POST /_sandbox/sheets/{key} {"values", "tab"?, "readable"?}`.

The scenario schema, rate-limit buckets, permission switches and the demo
league are described in README.md next to this file.
"""

from leaguectl.sandbox.clock import SandboxClock
from leaguectl.sandbox.demo import demo_scenario
from leaguectl.sandbox.server import LogEntry, Sandbox
from leaguectl.sandbox.state import SandboxState, ScenarioError

__all__ = [
    "LogEntry",
    "Sandbox",
    "SandboxClock",
    "SandboxState",
    "ScenarioError",
    "demo_scenario",
]
