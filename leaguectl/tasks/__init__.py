"""The tasks channel: task messages, the ``run-due-tasks`` pass and the ``tasks`` commands.

Modules:

``message``
    Find the task JSON in a message (every layout the Unified Discord Tool and its scheduler
    wrote, or bare JSON).
``model``
    Read each task once into a typed, immutable value (:class:`~leaguectl.tasks.model.TaskHead`,
    :class:`~leaguectl.tasks.model.Task`) or a per-message
    :class:`~leaguectl.tasks.model.TaskProblem`; the only place that reads task fields. It is
    the face of ``problems`` (problems, display-safe text), ``head`` (what every pass reads of
    every message) and ``parse`` (the schedule, instants and action of a due task).
``render``
    Write a task value back in one canonical layout under 2000 characters.
``fields``
    The field names and their order, ids (``snowflake``), timestamps (``stamp``).
``planner``
    Pure decisions: for one task message at ``now``, run / not due / missed / invalid / ...
    and the exact task JSON to write as the claim and after a failure.
``actions``
    Carrying out ``user_reminder``, ``channel_post`` and ``self_task`` (heartbeat or Letta).
``store``
    Writing a task message: edit, or post-new-then-delete-old when Discord refuses the edit.
``runner``
    The ``run-due-tasks`` pass: read every message, plan, claim, act, finish.
``manage``
    ``tasks add|list|show|remove|pause|resume``.

The design (claim first, at-most-once) is documented in ``docs/tasks.md``.
"""
