"""How commands speak: one JSON document on stdout with --json, rich output otherwise.

Human output (tables, messages) goes to standard output through rich; progress bars go to
standard error and only when it is a terminal. Commands never call ``print``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

JSON_OPTION_HELP = "Print one JSON document on standard output instead of tables."


class Output:
    def __init__(self, json_mode: bool, *, console: Console | None = None) -> None:
        self.json_mode = json_mode
        # No markup: cells and messages carry paths and masked values such as
        # ``[redacted]``, which rich would otherwise read as markup and drop.
        self.console = console or Console(soft_wrap=True, markup=False)
        self.err = Console(stderr=True, markup=False)

    def emit(self, document: Any, human: Callable[[Output], None] | None = None) -> None:
        """With --json, the document; otherwise the human rendering (or the document, pretty)."""
        if self.json_mode:
            write_json(document)
        elif human is not None:
            human(self)
        else:
            self.console.print_json(data=document, default=str)

    def message(self, text: str) -> None:
        if not self.json_mode:
            self.console.print(text)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        table = Table(title=title, title_justify="left")
        for i, col in enumerate(columns):
            # the first column (a file, say) folds onto more lines rather than lose its end
            table.add_column(col, justify="left" if i == 0 else "right", overflow="fold")
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        self.console.print(table)

    @contextmanager
    def progress(
        self, description: str, total: float | None, unit: str = "items"
    ) -> Iterator[Callable[[float], None]]:
        """A progress bar on a terminal; a silent counter otherwise. Yields ``advance(n)``."""
        if self.json_mode or not sys.stderr.isatty():
            yield lambda _n: None
            return
        columns = [
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=self.err, transient=False) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)


class RateColumn(ProgressColumn):
    """Items per second, for example resources/s."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        """Rich's recent rate; before it has two samples (or for a task without a total,
        which never finishes), the average so far."""
        speed = task.finished_speed or task.speed
        if not speed and task.completed and task.elapsed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"- {self.unit}/s")


def _cell(value: Any) -> Text:
    if isinstance(value, float):
        return Text(f"{value:,.2f}")
    if isinstance(value, int):
        return Text(f"{value:,}")
    return Text(str(value))  # as it is: never read as markup


def write_json(document: Any) -> None:
    sys.stdout.buffer.write(
        orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    )
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
