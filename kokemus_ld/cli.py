"""The one command-line entry: `kokemus-ld validate | build | serve | load`."""

from __future__ import annotations

import argparse
import sys

from .config import Settings


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; exit 1 on data problems, 2 on usage errors."""
    parser = argparse.ArgumentParser(prog="kokemus-ld", description=__doc__)
    parser.add_argument("--data", help="data folder (default: data/)")
    parser.add_argument("--publish", help="publish folder (default: var/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check the YAML data and the SHACL shapes; publish nothing")
    sub.add_parser("build", help="validate, then publish a new build atomically")
    serve = sub.add_parser("serve", help="serve the published dataset (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--store", help="`embedded` or the URL of a remote SPARQL endpoint")
    load = sub.add_parser("load", help="push the published build into a remote SPARQL store atomically")
    load.add_argument("--store", required=True, help="query endpoint URL of the remote store")
    load.add_argument("--update", help="update endpoint URL (default: derived from --store)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(data_dir=args.data, publish_dir=args.publish)
    return COMMANDS[args.command](settings, args)


def _validate(settings: Settings, args) -> int:
    from .build.dataset import check
    from .build.problems import DataError

    try:
        checked = check(settings)
    except DataError as exc:
        _print_problems(exc.problems)
        return 1
    _print_problems(checked.report.problems)
    print(f"OK: {len(checked.files)} tiedostoa / files, {len(checked.data)} kolmikkoa / triples; "
          f"{checked.report.count('warning')} varoitusta / warnings")
    return 0


def _build(settings: Settings, args) -> int:
    from .build.dataset import build
    from .build.problems import DataError

    try:
        result = build(settings)
    except DataError as exc:
        _print_problems(exc.problems)
        print("Julkaisu keskeytettiin; edellinen julkaisu on ennallaan. / "
              "Build refused; the previously published dataset is untouched.", file=sys.stderr)
        return 1
    _print_problems(result.report.problems)
    print(f"Julkaistu / published {result.build_id}: {result.meta['triples']} triples, "
          f"{result.meta['documents']} documents -> {result.path}")
    return 0


def _serve(settings: Settings, args) -> int:
    from .web.app import create_app

    if args.store:
        settings = settings.replace(store=args.store)
    app = create_app(settings)
    print(f"Serving http://{args.host}:{args.port}/  (store: {settings.store})")
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def _load(settings: Settings, args) -> int:
    from .store.base import StoreUnavailable
    from .store.remote import RemoteStore

    store = RemoteStore(args.store, update_url=args.update, settings=settings)
    try:
        count = store.load_build(settings.current_dir)
    except StoreUnavailable as exc:
        print(f"Lataus epäonnistui; etätietovarasto on ennallaan. / Loading failed; the remote store is unchanged.\n"
              f"{exc}", file=sys.stderr)
        return 1
    print(f"Ladattu / loaded {store.build_info()['build_id']}: {count} quads -> {args.store}")
    return 0


def _print_problems(problems) -> None:
    for p in problems:
        print(p, file=sys.stderr if p.severity == "violation" else sys.stdout)


COMMANDS = {"validate": _validate, "build": _build, "serve": _serve, "load": _load}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
