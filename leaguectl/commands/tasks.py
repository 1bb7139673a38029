"""Registers ``leaguectl run-due-tasks`` and ``leaguectl tasks add|list|show|remove|pause|resume``."""

from __future__ import annotations

import typer

from leaguectl.passrun import PassBody, PassContext, cli_state, execute_pass, render_report, run_pass

TASK_REF_HELP = "Task name, message id, or a unique prefix of either (as tasks list shows them)."
ACTION_HELP = "user_reminder (DM the target user), channel_post (post in the target channel), self_task (agent)"


def _local_flags(ctx: typer.Context, dry_run: bool, json_output: bool = False) -> None:
    """Let ``--dry-run``/``--json`` also follow the subcommand, as well as precede it."""
    state = cli_state(ctx)
    state.dry_run = state.dry_run or dry_run
    state.json_output = state.json_output or json_output


def _run_listing(ctx: typer.Context, command: str, body: PassBody) -> None:
    """Like ``run_pass``, but a text listing is not followed by the report's "nothing to do"."""
    state = cli_state(ctx)
    report = execute_pass(state, command, body, ops=False)
    if state.json_output:
        render_report(state, report)
    else:
        lines = [line for line in report.text_lines() if line.strip() != "nothing to do"]
        state.runtime.stdout.write("\n".join(lines) + "\n")
        state.runtime.stdout.flush()
    raise typer.Exit(int(report.final_exit_code))


def register(app: typer.Typer) -> None:
    @app.command("run-due-tasks")
    def run_due_tasks(
        ctx: typer.Context,
        dry_run: bool = typer.Option(False, "--dry-run", help="Plan and report; change and send nothing."),
    ) -> None:
        """Run the due tasks of the tasks channel, then reschedule or remove them. Run every minute.

        Reads every message of TASKS_CHANNEL_ID; runs tasks written by the bot or a trusted user;
        claims each due task in its message before running it, so a task never runs twice.
        """
        _local_flags(ctx, dry_run)

        def body(pc: PassContext) -> None:
            from leaguectl.tasks.runner import run_due_tasks as run

            run(pc)

        run_pass(ctx, "run-due-tasks", body, lock="run-due-tasks")

    tasks = typer.Typer(
        name="tasks",
        help="Manage the tasks channel: add, list, show, remove, pause, resume.",
        no_args_is_help=True,
    )
    app.add_typer(tasks, name="tasks")

    @tasks.command("add")
    def add(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Task name (unique in the channel)."),
        schedule: str = typer.Option(
            ..., "--schedule", "-s",
            help="daily, weekly, monthly, yearly, hourly, minutely, every_N_minutes|hours|days|weeks, "
            "in_N_minutes|hours|days, today_at_HH:MM, tomorrow_at_HH:MM, on_date, 'cron:0 9 * * MON' (cron's "
            "day-of-week 0 and 7 are Sunday, 1 is Monday), 'RRULE:FREQ=WEEKLY;BYDAY=MO' (a 'DTSTART:...Z' "
            "line makes the rule run in UTC; without Z, DTSTART is a wall time in the task's zone). At most "
            "once a minute.",
        ),
        time: str | None = typer.Option(
            None, "--time", "-t",
            help="Wall time HH:MM in the task's zone. A time in a DST gap moves forward by the gap's length "
            "(02:30 on Berlin's spring-forward day runs at 03:30 CEST).",
        ),
        date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (or DD.MM.YYYY) for on_date."),
        day_of_week: str | None = typer.Option(
            None, "--day-of-week", help="monday ... sunday, or 0 = Monday ... 6 = Sunday (weekly; unlike cron)."
        ),
        day_of_month: int | None = typer.Option(None, "--day-of-month", help="1-31 (monthly, yearly)."),
        month: int | None = typer.Option(None, "--month", help="1-12 (yearly)."),
        timezone: str | None = typer.Option(
            None, "--timezone", "--tz",
            help="IANA zone, written into the task (default TASKS_DEFAULT_TIMEZONE, which is LEAGUE_TIMEZONE "
            "when only that is set).",
        ),
        action: str = typer.Option("channel_post", "--action", "-a", help=ACTION_HELP),
        target: str | None = typer.Option(None, "--target", help="User id (user_reminder); channel id or name."),
        message: str | None = typer.Option(None, "--message", "-m", help="Text to send (action_template)."),
        description: str | None = typer.Option(None, "--description", "-d", help="What the task is for."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and preview; post nothing."),
    ) -> None:
        """Create a task in the tasks channel (validated, with a preview of its next 5 runs).

        Times are wall times in the task's zone; the rules are in docs/tasks.md ("tasks add").
        """
        _local_flags(ctx, dry_run)

        def body(pc: PassContext) -> None:
            from leaguectl.tasks.manage import NewTask, add_task

            add_task(pc, NewTask(
                name=name, schedule=schedule, time=time, specific_date=date, day_of_week=day_of_week,
                day_of_month=day_of_month, month=month, timezone=timezone, action=action, target=target,
                message=message, description=description,
            ))

        run_pass(ctx, "tasks-add", body, ops=False)

    @tasks.command("list")
    def list_(
        ctx: typer.Context,
        json_output: bool = typer.Option(False, "--json", help="Rows in the JSON report (details.tasks)."),
    ) -> None:
        """List every task: name, schedule, zone, next run (local and UTC), status, last error."""
        _local_flags(ctx, False, json_output)
        as_json = cli_state(ctx).json_output

        def body(pc: PassContext) -> None:
            from leaguectl.tasks.listing import list_tasks

            list_tasks(pc, as_json=as_json)

        _run_listing(ctx, "tasks-list", body)

    @tasks.command("show")
    def show(
        ctx: typer.Context,
        task: str = typer.Argument(..., help=TASK_REF_HELP),
        json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    ) -> None:
        """Show one task: its JSON, its status and its next 5 runs."""
        _local_flags(ctx, False, json_output)

        def body(pc: PassContext) -> None:
            from leaguectl.tasks.listing import show_task

            show_task(pc, task)

        _run_listing(ctx, "tasks-show", body)

    def _change(command: str, verb: str, doc: str) -> None:
        def change(
            ctx: typer.Context,
            task: str = typer.Argument(..., help=TASK_REF_HELP),
            dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing."),
        ) -> None:
            _local_flags(ctx, dry_run)

            def body(pc: PassContext) -> None:
                from leaguectl.tasks.manage import change_task

                change_task(pc, task, verb)

            run_pass(ctx, f"tasks-{command}", body, ops=False)

        change.__doc__ = doc
        tasks.command(command)(change)

    _change("remove", "remove", "Delete a task's message (by task name or message id).")
    _change("pause", "pause", "Pause a task: it stays in the channel but does not run.")
    _change("resume", "resume", "Resume a paused task; a past next run moves to the next slot.")
