"""`grade doctor`: which sandbox layers this machine gives learner code, and what that means."""

from __future__ import annotations

import os
import platform

import click
from rich.markup import escape
from rich.table import Table

from grader.cli.context import reported_errors
from grader.cli.options import lang_option
from grader.cli.screen import screen
from grader.i18n import detect_lang, msg

_LEVEL_STYLE = {"strong": "green", "partial": "yellow", "minimal": "red"}


@click.command("doctor")
@lang_option
def doctor_cmd(lang: str | None) -> None:
    """Show how learner code is isolated on this machine: each sandbox layer, active or missing, and why."""
    from grader.runner.server import SandboxServer
    from grader.sandbox.layers import BASE_LAYERS, OPTIONAL_LAYERS

    lang = lang or detect_lang()
    with reported_errors(), SandboxServer() as server:
        ready = server.ready()
    level = ready["level"]
    active = set(ready["layers"])
    user = msg("doctor_as_root" if hasattr(os, "geteuid") and os.geteuid() == 0 else "doctor_as_user")
    with screen() as console:
        style = _LEVEL_STYLE.get(level, "bold")
        console.print(f"[bold {style}]{escape(msg('doctor_title', level=level).get(lang))}[/]")
        platform_line = msg(
            "doctor_platform",
            system=platform.system(),
            release=platform.release(),
            python=ready["python"],
            torch=ready["torch"],
            user=user,
        )
        console.print(f"[dim]{escape(platform_line.get(lang))}[/]")
        console.print(escape(msg(f"level_{level}").get(lang)))
        if ready.get("children_root"):
            console.print(f"[yellow]{escape(msg('doctor_children_root').get(lang))}[/]")
        console.print()
        table = Table(box=None, pad_edge=False, show_header=False, padding=(0, 1))
        table.add_column(width=1)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for layer in (*BASE_LAYERS, *OPTIONAL_LAYERS):
            what = escape(msg(f"layer_{layer}").get(lang))
            if layer in active:
                table.add_row("[green]✓[/]", layer, what)
            else:
                why = escape(msg("doctor_missing", why=ready["missing"].get(layer, "")).get(lang))
                table.add_row("[red]✗[/]", f"[dim]{layer}[/]", f"[dim]{what}[/]\n[yellow]{why}[/]")
        console.print(table)
        console.print("\n" + escape(msg("doctor_recorded").get(lang)))
