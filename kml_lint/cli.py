"""The command line: ``kml-lint [OPTIONS] PATH...``. Modes are options, so any folder name can be a path."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _split(values: tuple[str, ...]) -> list[str]:
    """``--select KML1,KML3 --select KML401`` -> ``[KML1, KML3, KML401]``."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _fail(message: str) -> None:
    click.echo(f"kml-lint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _use_color(output: str | None) -> bool:
    if output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids, names or prefixes such as KML2; "
              "comma-separated, repeatable).")
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Never run these rules.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]), default="error",
              show_default=True, help="Exit 1 when a finding at or above this severity remains.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and folders (repeatable).")
@click.option("--force-exclude", is_flag=True, help="Apply the skip rules to files named on the command line too "
              "(for pre-commit hooks).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Load more rule files from DIR.")
@click.option("--platform", metavar="NAME", help="The platform the cluster runs on (gke adds GPU tolerations).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=10 * 1024 * 1024, show_default=True,
              help="Skip (and report) files larger than this many bytes.")
@click.option("--stdin-filename", metavar="NAME", help="The name to show for input read from '-'.")
@click.option("--workloads", "workload_files", multiple=True, type=click.Path(dir_okay=False),
              help="Add rows to the workload table (where custom kinds keep their pods) from FILE, in the table's "
              "own syntax; a row for a kind replaces that kind's built-in rows (repeatable).")
@click.option("--inspect", is_flag=True, help="Print the pod templates and containers found in each object "
              "(pointers, roles, lines) instead of linting.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", help="Print one rule's documentation and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Also list skipped files and why.")
@click.version_option(__version__, "--version", prog_name="kml-lint")
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], output_format: str, output: str | None,
            select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str,
            exclude: tuple[str, ...], force_exclude: bool, rules_dir: tuple[str, ...], platform: str | None,
            max_file_size: int, stdin_filename: str | None, workload_files: tuple[str, ...], inspect: bool,
            list_rules: bool, explain: str | None, verbose: bool) -> None:
    """Lint Kubernetes manifests of ML workloads: files, folders (walked recursively) or - for stdin.

    Exit codes: 0 no finding at or above --fail-on, 1 there are, 2 usage error or internal failure.
    """
    from .registry import RuleError, find_rule, load_rules, select_rules

    try:
        rules = load_rules(rules_dir)
    except RuleError as exc:
        _fail(str(exc))
    if list_rules or explain:
        from .docs import explain_text, list_rules_text

        if explain:
            rule = find_rule(rules, explain)
            if rule is None:
                _fail(f"no rule named {explain!r} (see kml-lint --list-rules)")
            click.echo(explain_text(rule), nl=False)
        else:
            click.echo(list_rules_text(rules), nl=False)
        return
    if not paths:
        click.echo(ctx.get_usage(), err=True)
        click.echo("Try 'kml-lint --help' for help.", err=True)
        sys.exit(EXIT_USAGE)
    workloads = _workload_table(workload_files)
    if inspect:
        _inspect(list(paths), workloads, output_format, output, list(exclude), force_exclude, max_file_size,
                 stdin_filename)
        return
    try:
        selected = select_rules(rules, _split(select) if select else None, _split(ignore), _split(extend_select))
    except RuleError as exc:
        _fail(str(exc))

    from .run import RunOptions, lint_paths

    options = RunOptions(list(paths), selected, excludes=list(exclude), force_exclude=force_exclude,
                         max_file_size=max_file_size, platform=platform, stdin_filename=stdin_filename,
                         workloads=workloads)
    try:
        report = lint_paths(options)
    except FileNotFoundError as exc:
        _fail(f"path does not exist: {exc.args[0]}")

    for path, message in report.problems:
        click.echo(f"kml-lint: warning: {path}: {message}", err=True)
    if verbose:
        for path, reason in report.skipped:
            click.echo(f"kml-lint: skipped {path}: {reason}", err=True)
    if not report.files:
        click.echo("kml-lint: warning: no Kubernetes manifest found in the given paths"
                   + ("" if verbose else " (--verbose lists what was skipped)"), err=True)

    from .reporters import render

    text = render(output_format, report, color=_use_color(output) and output_format == "text")
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_FINDINGS if report.fails(fail_on) else EXIT_OK)


def _workload_table(files: tuple[str, ...]) -> Any:
    """The built-in workload table extended with users' rows (``--workloads``), or None for the built-in one."""
    if not files:
        return None
    from .workloads import TableError, builtin_table, load_table_file

    table = builtin_table()
    for path in files:
        try:
            table = load_table_file(path, table)
        except TableError as exc:
            _fail(str(exc))
    return table


def _inspect(paths: list[str], workloads: Any, output_format: str, output: str | None, excludes: list[str],
             force_exclude: bool, max_file_size: int, stdin_filename: str | None) -> None:
    from .inspect import inspect_paths, render_json, render_text
    from .workloads import builtin_table

    try:
        files = inspect_paths(paths, workloads or builtin_table(), excludes, force_exclude, max_file_size,
                              stdin_filename)
    except FileNotFoundError as exc:
        _fail(f"path does not exist: {exc.args[0]}")
    if output_format == "sarif":
        _fail("--inspect prints text or json")
    text = render_json(files) if output_format == "json" else render_text(files)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: no traceback ever reaches the user (set KML_LINT_DEBUG=1 to see one)."""
    try:
        return command.main(args=argv, prog_name="kml-lint", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("kml-lint: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("KML_LINT_DEBUG"):
            raise
        click.echo(f"kml-lint: internal error: {type(exc).__name__}: {exc} (set KML_LINT_DEBUG=1 for details)",
                   err=True)
        sys.exit(EXIT_USAGE)
