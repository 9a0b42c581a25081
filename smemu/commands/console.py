"""``smemu console``: the console over a jobs root, without the API (read-only: no job can be
started or stopped from it and the try-it form is off); ``smemu report JOB --html FILE``: a job's
page as one self-contained HTML file (charts inline), for CI artifacts and classes."""

from __future__ import annotations

import sys
from pathlib import Path

from smemu.commands._jobs import add_jobs_root, add_listen_options, load_record, store_from

DEFAULT_PORT = 8766


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "console", help="open the read-only console (jobs, logs, charts) in a browser",
        description="Serve the console over a jobs root at http://HOST:PORT/console/ without "
                    "the SageMaker API. `smemu server` serves the same console beside the API, "
                    "with the endpoints' try-it form.")
    add_listen_options(parser, DEFAULT_PORT)
    add_jobs_root(parser)
    parser.set_defaults(func=run_console)

    report = subparsers.add_parser(
        "report", help="write a training job's console page as one HTML file",
        description="Write the console's page of a training job (status timeline, metric charts, "
                    "pictures of the model, log) as one self-contained HTML file.")
    report.add_argument("name", help="the TrainingJobName")
    report.add_argument("--html", required=True, metavar="FILE", help="the HTML file to write")
    add_jobs_root(report)
    report.set_defaults(func=run_report)


def run_console(args) -> int:
    import waitress

    from smemu.emulator.console.routes import console_app

    store = store_from(args)
    server = waitress.create_server(console_app(store, args.host), host=args.host, port=args.port,
                                    threads=4, ident="smemu")
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"smemu console (read-only) on http://{host}:{server.effective_port}/console/ "
          f"(jobs root {store.root}); Ctrl-C stops it.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def run_report(args) -> int:
    from smemu.emulator.console.data import Console
    from smemu.emulator.console.pages import job_page

    store = store_from(args)
    if load_record(store, args.name) is None:
        return 1
    text = job_page(Console(store), args.name, standalone=True)
    try:
        Path(args.html).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"smemu: cannot write {args.html}: {error.strerror}. Choose a writable path.",
              file=sys.stderr)
        return 1
    print(f"Wrote the page of training job {args.name} to {args.html}.")
    return 0
