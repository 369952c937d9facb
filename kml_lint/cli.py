"""The command line: ``kml-lint [OPTIONS] PATH...``. Modes are options, so any folder name can be a path."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, NoReturn, TextIO

import click

from . import __version__
from .source import MAX_FILE_SIZE_LIMIT

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_ON = ("error", "warning", "note", "never")


def _split(values: tuple[str, ...] | list[str]) -> list[str]:
    """``--select KML1,KML3 --select KML401`` -> ``[KML1, KML3, KML401]``."""
    return [item.strip() for value in values for item in str(value).split(",") if item.strip()]


def _fail(message: str) -> NoReturn:
    from .reporters.escape import visible  # messages name files and quote settings from the repository

    click.echo(f"kml-lint: error: {visible(message)}", err=True)
    sys.exit(EXIT_USAGE)


def _use_color(output: str | None) -> bool:
    if output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "output_format",
              type=click.Choice(["text", "full", "json", "sarif", "github", "junit", "auto"]), default="text",
              show_default=True, help="Output format: text (one line per finding), full (with source lines and "
              "fixes), json, sarif, github (workflow annotations), junit; auto picks github inside GitHub Actions.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids, names or prefixes such as KML2; "
              "comma-separated, repeatable). Replaces the configuration's select.")
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Never run these rules.")
@click.option("--preview", is_flag=True, default=None, help="Also run rules whose status is preview.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when an unsuppressed finding at or above this severity remains [default: error].")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and folders (repeatable).")
@click.option("--force-exclude", is_flag=True, help="Apply the skip rules to files named on the command line too "
              "(for pre-commit hooks).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Configuration file (default: the nearest .kml-lint.yaml, or [tool.kml-lint] in pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("--show-config", is_flag=True, help="Print the effective configuration and exit.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings that are not in this baseline.")
@click.option("--write-baseline", is_flag=True, help="Print a baseline of today's findings (JSON) and exit 0.")
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings too (text output).")
@click.option("-q", "--quiet", is_flag=True, help="Findings only: no summary line.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of the findings.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place (with -: write the fixed stream to standard "
              "output, the report to standard error).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or show (with --diff) fixes that change "
              "behaviour; alone, show unsafe fixes as available.")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change and change nothing "
              "(exit 1 when there is a diff).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Load more rule files from DIR.")
@click.option("--platform", metavar="NAME", help="The platform the cluster runs on: gke, gke-autopilot, eks, aks, "
              "openshift, kind, minikube, k3d, docker-desktop or microk8s (some rules know what it does for you).")
@click.option("--pod-security", type=click.Choice(["privileged", "baseline", "restricted"]), default=None,
              help="The Pod Security Standards level whose controls the security rules check (default: baseline).")
@click.option("--cluster", "cluster_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="FILE", help="The cluster the manifests are meant for: `kubectl get nodes -o yaml` output or a "
              "kml-lint ClusterProfile (repeatable); pods no node can run are reported (KML210).")
@click.option("--kubernetes-version", metavar="VERSION", help="Validate against this Kubernetes minor version's "
              "schemas (default: the newest shipped).")
@click.option("--no-schemas", is_flag=True, help="Skip schema validation (KML003, KML004, KML005, KML007).")
@click.option("--schema-dir", multiple=True, type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="More schemas: CRD YAML files or JSON schemas in kubeconform's layout (repeatable).")
@click.option("--strict-kinds", is_flag=True, help="Report objects without a schema (KML007) as errors.")
@click.option("--max-file-size", type=click.IntRange(min=1, max=MAX_FILE_SIZE_LIMIT), default=None,
              help="Skip (and report) files larger than this many bytes [default: 10 MiB].")
@click.option("--sarif-max-results", type=click.IntRange(min=1), default=25_000, show_default=True, metavar="N",
              help="SARIF: write at most N results (GitHub code scanning accepts 25,000 per run); when more are "
              "found, unsuppressed, then errors, then warnings are kept first.")
@click.option("--stdin-filename", metavar="NAME", help="The name to show for input read from '-'.")
@click.option("--render/--no-render", default=True, show_default=True,
              help="Render the Helm charts and build the kustomizations met, and lint what they deploy (findings "
              "on template and source lines); --no-render skips chart templates and lints overlay files loose.")
@click.option("--chart", "chart_dir", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Piped `helm template` output is of the chart in DIR: findings land on its template lines.")
@click.option("--source-root", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Piped rendered input: `# Source:` paths and Kustomize origin paths are relative to DIR (the "
              "folder `helm template` or `kustomize build` ran on).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes, at most one per usable CPU and per file [default: every usable CPU when "
              "there are more than a handful of files].")
@click.option("--cache/--no-cache", default=None, help="Reuse results of unchanged files from the user's cache "
              "folder (entries authenticated with a key kept there).")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", default=None,
              help="Keep the cache in DIR instead of the user's cache folder (implies --cache unless --no-cache).")
@click.option("--workloads", "workload_files", multiple=True, type=click.Path(dir_okay=False),
              help="Add rows to the workload table (where custom kinds keep their pods) from FILE, in the table's "
              "own syntax; a row for a kind replaces that kind's built-in rows (repeatable).")
@click.option("--inspect", is_flag=True, help="Print the pod templates and containers found in each object "
              "(pointers, roles, lines) instead of linting.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", help="Print one rule's documentation and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Also list skipped files and why, and count the objects "
              "validated per schema source.")
@click.version_option(__version__, "--version", prog_name="kml-lint")
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], output_format: str, output: str | None,
            **options: Any) -> None:
    """Lint Kubernetes manifests of ML workloads: files, folders (walked recursively) or - for stdin.

    Exit codes: 0 no unsuppressed finding at or above --fail-on, 1 there are, 2 usage error or internal failure.
    """
    from .checks import PLATFORMS
    from .config import ConfigError, check_rule_references, dump, find_config, load_config, unknown_platform
    from .registry import RuleError, find_rule, load_rules

    try:
        config = load_config(None if options["isolated"] else (options["config_path"] or find_config()))
    except ConfigError as exc:
        _fail(str(exc))
    settings = effective_settings(config, options)
    try:
        rules = load_rules(settings["rules-dirs"])
        check_rule_references(config, rules)
    except (RuleError, ConfigError) as exc:
        _fail(str(exc))
    if options["platform"] is not None and options["platform"] not in PLATFORMS:
        _fail(f"--platform: {unknown_platform(options['platform'])}")
    if options["show_config"]:
        click.echo(f"# effective configuration (file: {config.source or 'none'})")
        click.echo(dump({key: value for key, value in settings.items() if value not in (None, [], {})}), nl=False)
        return
    if options["explain"]:
        from .docs import explain_text

        rule = find_rule(rules, options["explain"])
        if rule is None:
            _fail(f"no rule named {options['explain']!r} (see kml-lint --list-rules)")
        click.echo(explain_text(rule), nl=False)
        return
    if options["list_rules"]:
        _list_rules(rules, settings, config, output_format, output)
        return
    if not paths:
        click.echo(ctx.get_usage(), err=True)
        click.echo("Try 'kml-lint --help' for help.", err=True)
        _fail("no path given: name the files or folders to lint, or - to read standard input")
    from .reporters import resolve_format

    if options["statistics"] and resolve_format(output_format) not in ("text", "full", "json"):
        _fail(f"--statistics prints text, full or json, not {output_format}")
    workloads = _workload_table(config, options["workload_files"])
    if options["inspect"]:
        _inspect(list(paths), workloads, output_format, output, settings, options)
        return
    try:
        selected = configured_rules(rules, settings, config)
    except (RuleError, ConfigError) as exc:
        _fail(str(exc))

    from .validation.versions import UnsupportedVersion, resolve_version

    try:
        kubernetes_version = resolve_version(settings["kubernetes-version"])
    except UnsupportedVersion as exc:
        _fail(str(exc))

    from .run import RunOptions, lint_paths

    baseline = None
    if settings["baseline"] and not options["write_baseline"]:
        from .suppress import load_baseline

        try:
            baseline = load_baseline(settings["baseline"])
        except ValueError as exc:
            _fail(str(exc))
    from .reporters import RenderOptions, make_reporter, needs_source_lines

    cache = options["cache"] if options["cache"] is not None else options["cache_dir"] is not None
    run_options = RunOptions(
        list(paths), selected, excludes=settings["exclude"], force_exclude=options["force_exclude"],
        max_file_size=settings["max-file-size"], platform=settings["platform"],
        stdin_filename=options["stdin_filename"], config=config, baseline=baseline, known_rules=rules,
        peer_annotations=peer_annotations(settings["peer-annotations"], rules),
        keep_source_lines=needs_source_lines(output_format), progress=_progress(), jobs=options["jobs"],
        cache=cache, cache_dir=options["cache_dir"],
        kubernetes_version=kubernetes_version, schemas=not options["no_schemas"],
        schema_dirs=settings["schema-dirs"], strict_kinds=options["strict_kinds"], workloads=workloads,
        render=options["render"], source_root=options["source_root"], chart=options["chart_dir"],
        cluster=_cluster(settings["cluster"]))
    fmt = resolve_format(output_format)
    color = _use_color(output) and fmt in ("text", "full")
    render_options = RenderOptions(color=color, show_suppressed=options["show_suppressed"], quiet=options["quiet"],
                                   statistics=options["statistics"], fail_on=settings["fail-on"],
                                   sarif_max_results=options["sarif_max_results"],
                                   unsafe_fixes=options["unsafe_fixes"])
    stdin_data = None
    if options["fix"] or options["diff"]:
        stdin_data = _fix(run_options, options, output)
        if options["diff"]:
            return
        if stdin_data is not None:
            output = output or "-stderr"  # standard output carries the fixed stream
    with _open_output(output) as out:
        if options["write_baseline"]:
            from .suppress import BaselineWriter

            sink = BaselineWriter(out, os.path.dirname(os.path.abspath(output)) if output else None)
        else:
            sink = make_reporter(fmt, out, render_options, selected, os.getcwd())
        from .safeio import UnsafeFile

        try:
            report = lint_paths(run_options, stdin=stdin_data, sink=sink.file)
        except FileNotFoundError as exc:
            _fail(f"path does not exist: {exc.args[0]}")
        except UnsafeFile as exc:
            _fail(f"{exc.filename}: {exc.strerror}")
        summary = report.summary()
        sink.finish(summary)
    if report.cache_problem:
        click.echo(f"kml-lint: warning: cache not used: {report.cache_problem}", err=True)

    from .reporters.escape import visible

    for path, message in summary.problems:
        click.echo(f"kml-lint: warning: {visible(path)}: {visible(message)}", err=True)
    if options["verbose"]:
        for path, reason in summary.skipped:
            click.echo(f"kml-lint: skipped {visible(path)}: {visible(reason)}", err=True)
        for note in summary.notes:
            click.echo(f"kml-lint: {visible(note)}", err=True)
        if cache:
            click.echo(f"kml-lint: cache: {summary.cached} of {summary.files} files reused", err=True)
        if not options["no_schemas"]:
            from .validation.store import summary as schema_summary

            click.echo(f"kml-lint: {schema_summary(kubernetes_version, summary.stats)}", err=True)
        for key in sorted(k for k in summary.stats if k.startswith("undecided\x1f")):
            _, path, reason = key.split("\x1f", 2)
            click.echo(f"kml-lint: {path}: {reason}: no scheduling verdict", err=True)
    if not summary.files:
        click.echo("kml-lint: warning: no Kubernetes manifest found in the given paths"
                   + ("" if options["verbose"] else " (--verbose lists what was skipped)"), err=True)
    left_out = sink.left_out() if hasattr(sink, "left_out") else None
    if left_out:
        click.echo(f"kml-lint: warning: SARIF: {left_out}", err=True)
    if options["write_baseline"]:
        sys.exit(EXIT_OK)
    sys.exit(EXIT_FINDINGS if summary.fails(settings["fail-on"]) else EXIT_OK)


def _list_rules(rules: list[Any], settings: dict[str, Any], config: Any, output_format: str,
                output: str | None) -> None:
    """``--list-rules``: the rules this run would run (configuration and command line applied, with their
    effective severity), then the ones it would not, and why."""
    from .config import ConfigError
    from .docs import list_rules_json, list_rules_text
    from .registry import RuleError
    from .reporters import resolve_format

    fmt = resolve_format(output_format)
    if fmt not in ("text", "json"):
        _fail(f"--list-rules prints text or json, not {output_format}")
    try:
        selected = configured_rules(rules, settings, config)
    except (RuleError, ConfigError) as exc:
        _fail(str(exc))
    text = list_rules_json(selected, rules) if fmt == "json" else list_rules_text(selected, rules)
    with _open_output(output) as out:
        out.write(text)


@contextlib.contextmanager
def _open_output(output: str | None) -> Iterator[TextIO]:
    """The report's destination: the --output file (written beside it and renamed into place only when the
    report is complete: a failed run keeps the previous report), or standard output."""
    if output == "-stderr":  # --fix -: standard output carries the fixed stream, the report goes here
        yield sys.stderr
        sys.stderr.flush()
    elif output:
        from .safeio import AtomicOutput, OutputError

        try:
            handle = AtomicOutput(output)
        except OutputError as exc:
            _fail(exc.strerror)
        try:
            yield handle  # type: ignore[misc]
        except OutputError as exc:
            handle.discard()
            _fail(exc.strerror)
        except BaseException:
            handle.discard()
            raise
        try:
            handle.commit()
        except OutputError as exc:
            _fail(exc.strerror)
    else:
        stream = sys.stdout
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="backslashreplace")  # a non-UTF-8 terminal must not crash the report
        yield stream
        stream.flush()


def _fix(run_options: Any, options: dict[str, Any], output: str | None) -> bytes | None:
    """``--fix`` / ``--diff``: fix the files (or show the diff and exit). Returns the fixed standard input, if any,
    for the report that follows."""
    import copy

    from .fixing.runner import fix_paths

    stdin = sys.stdin.buffer.read(run_options.max_file_size + 1) if "-" in run_options.paths else None
    try:
        report = fix_paths(copy.copy(run_options), options["unsafe_fixes"], write=not options["diff"], stdin=stdin)
    except FileNotFoundError as exc:
        _fail(f"path does not exist: {exc.args[0]}")
    fixes = sum(report.applied.values())
    per_rule = ", ".join(f"{rule} {count}" for rule, count in sorted(report.applied.items()))
    for path, reason in report.skipped:
        click.echo(f"kml-lint: not fixed: {path}: {reason}", err=True)
    if options["verbose"]:
        for reason, count in sorted(report.refused.items(), key=lambda item: (-item[1], item[0])):
            click.echo(f"kml-lint: no fix offered ({count}x): {reason}", err=True)
    if options["diff"]:
        with _open_output(output) as out:
            out.write("".join(report.diff))
        verb = "Would fix"
        click.echo(f"kml-lint: {verb} {fixes} finding{'s' if fixes != 1 else ''} in {report.files_changed} "
                   f"file{'s' if report.files_changed != 1 else ''}" + (f" ({per_rule})" if per_rule else "") + ".",
                   err=True)
        sys.exit(EXIT_FINDINGS if report.diff else EXIT_OK)
    if fixes:
        click.echo(f"kml-lint: fixed {fixes} finding{'s' if fixes != 1 else ''} in {report.files_changed} "
                   f"file{'s' if report.files_changed != 1 else ''} ({per_rule}).", err=True)
    if report.stdout is not None:
        sys.stdout.write(report.stdout)
        sys.stdout.flush()
        return report.stdout.encode("utf-8")
    return None


def _workload_table(config: Any, files: tuple[str, ...]) -> Any:
    """The built-in workload table extended with users' rows (the configuration's ``workloads``, then each
    ``--workloads`` file), or None for the built-in one."""
    rows = config.get("workloads")
    if not rows and not files:
        return None
    from .workloads import TableError, builtin_table, load_table_file

    table = builtin_table()
    try:
        if rows:
            table = table.extended({"workloads": rows}, f"{config.source}: workloads")
        for path in files:
            table = load_table_file(path, table)
    except TableError as exc:
        _fail(str(exc))
    return table


def _cluster(paths: list[str]) -> Any:
    """The described cluster (``--cluster`` files, then the configuration's), or None."""
    if not paths:
        return None
    from .scheduling.cluster import ClusterError, load_cluster

    try:
        return load_cluster(paths)
    except ClusterError as exc:
        _fail(str(exc))


def _inspect(paths: list[str], workloads: Any, output_format: str, output: str | None, settings: dict[str, Any],
             options: dict[str, Any]) -> None:
    from .inspect import inspect_paths, render_json, render_text
    from .workloads import builtin_table

    if output_format not in ("text", "json"):
        _fail("--inspect prints text or json")
    try:
        files = inspect_paths(paths, workloads or builtin_table(), settings["exclude"], options["force_exclude"],
                              settings["max-file-size"], options["stdin_filename"],
                              kubernetes_version=settings["kubernetes-version"], schema_dirs=settings["schema-dirs"])
    except FileNotFoundError as exc:
        _fail(f"path does not exist: {exc.args[0]}")
    text = render_json(files) if output_format == "json" else render_text(files)
    with _open_output(output) as out:
        out.write(text)


def _progress() -> Any:
    """A progress line on stderr for long runs, only when stderr is a terminal (never in logs or pipes)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    state = {"shown": False}

    def report(done: int, total: int) -> None:
        if total < 200:
            return
        if done >= total:
            if state["shown"]:
                sys.stderr.write("\r\033[K")
            return
        if done % 50 == 0:
            state["shown"] = True
            sys.stderr.write(f"\rkml-lint: {done:,}/{total:,} files…")
            sys.stderr.flush()

    return report


def effective_settings(config: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Command line over configuration file over defaults."""
    base = config.base_dir

    def from_config_path(value: str | None) -> str | None:
        return os.path.join(base, value) if value and not os.path.isabs(value) else value

    cli_select = _split(options["select"]) if options["select"] else None
    return {
        "select": cli_select if cli_select is not None else config.get("select"),
        "extend-select": [*(config.get("extend-select") or []), *_split(options["extend_select"])],
        "ignore": [*(config.get("ignore") or []), *_split(options["ignore"])],
        "preview": bool(options["preview"] if options["preview"] is not None else config.get("preview", False)),
        "fail-on": options["fail_on"] or config.get("fail-on") or "error",
        "exclude": [*(config.get("exclude") or []), *options["exclude"]],
        "per-file-ignores": config.get("per-file-ignores") or {},
        "severity": config.get("severity") or {},
        "rules": config.get("rules") or {},
        "exemptions": config.get("exemptions") or [],
        "platform": options["platform"] or config.get("platform"),
        "kubernetes-version": options["kubernetes_version"] or config.get("kubernetes-version"),
        "schema-dirs": [*(from_config_path(d) for d in config.get("schema-dirs") or []), *options["schema_dir"]],
        "cluster": [*(from_config_path(f) for f in config.get("cluster") or []), *options["cluster_files"]],
        "max-file-size": options["max_file_size"] or config.get("max-file-size") or 10 * 1024 * 1024,
        "baseline": options["baseline_path"] or from_config_path(config.get("baseline")),
        "rules-dirs": [*(from_config_path(d) for d in config.get("rules-dirs") or []), *options["rules_dir"]],
        "peer-annotations": config.get("peer-annotations", False),
        "pod-security": options.get("pod_security") or config.get("pod-security") or "baseline",
        "substitution": config.get("substitution") or [],
    }


def configured_rules(rules: list[Any], settings: dict[str, Any], config: Any) -> list[Any]:
    """Select rules, then apply the configuration's severity overrides and parameters."""
    from .config import ConfigError, key_of, pointer_of
    from .findings import Severity
    from .registry import params_problem, select_rules, specificity

    selected = select_rules(rules, settings["select"], settings["ignore"], settings["extend-select"],
                            preview=settings["preview"], pod_security=settings["pod-security"])
    overrides: dict[str, dict[str, Any]] = {}
    if settings.get("substitution"):  # the tools that fill placeholders: KML009 leaves their syntax alone
        overrides["unrendered-placeholder"] = {"params": {"substitution": list(settings["substitution"])}}
    for key, level in settings["severity"].items():
        overrides.setdefault(key, {})["severity"] = level
    for key, entry in settings["rules"].items():
        overrides.setdefault(key, {}).update(entry)
    out = []
    for rule in selected:
        severity, params = None, {}
        given_by: dict[str, str] = {}  # parameter -> the rules entry that sets it, to place errors at its key
        # Broad selectors (KML2) first, so that a specific one (an id or a name) wins.
        matching = sorted((specificity(key, rule), key) for key in overrides if specificity(key, rule))
        for _, key in matching:
            entry = overrides[key]
            severity = Severity.parse(entry["severity"]) if entry.get("severity") else severity
            params.update(entry.get("params") or {})
            given_by.update(dict.fromkeys(entry.get("params") or {}, key))
        if params:
            if rule.check is None or rule.check.name.startswith("schema:"):
                path = ["rules", next(iter(given_by.values())), "params"]
                raise ConfigError(f"{config.where(pointer_of(path))}: {key_of(path)}: rule {rule.id} takes no "
                                  "parameters")
            problem = params_problem(rule.check, {**rule.params, **params})
            if problem:
                inside, message = problem
                owner = given_by.get(str(inside[0])) if inside else None
                path = ["rules", owner, "params", *inside] if owner else ["rules", next(iter(given_by.values())),
                                                                          "params"]
                raise ConfigError(f"{config.where(pointer_of(path))}: {key_of(path)}: rule {rule.id}: {message}")
            rule = rule.with_overrides(severity, params)
        elif severity is not None:
            rule = rule.with_overrides(severity)
        out.append(rule)
    return out


def peer_annotations(setting: Any, rules: list[Any]) -> dict[str, dict[str, list[str]]] | None:
    """The peers whose suppression annotations are honoured (setting ``peer-annotations``), with their mapping."""
    if not setting:
        return None
    from .registry import peer_rule_map
    from .suppress import PEER_ANNOTATIONS

    wanted = PEER_ANNOTATIONS if setting is True else tuple(setting)
    mapping = peer_rule_map(rules)
    return {peer: mapping.get(peer, {}) for peer in wanted}


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
