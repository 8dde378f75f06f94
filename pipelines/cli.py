"""``sdsf``: the data steward's command (demo, refresh, status, export, geo, fetch-caf, templates, app)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pipelines import paths
from pipelines.config import load_config
from pipelines.errors import total
from pipelines.refresh import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, RefreshRequest, RunResult, run

LEVELS = ("commune", "epci", "departement")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sdsf", description="Entrepôt et tableau de bord des SDSF.")
    sub = p.add_subparsers(required=True, metavar="COMMANDE")

    demo = sub.add_parser("demo", help="générer les données fictives de démonstration et construire l'entrepôt")
    demo_scope = demo.add_mutually_exclusive_group()
    demo_scope.add_argument("--departements", nargs="+", default=["71"], metavar="DEP")
    demo_scope.add_argument("--all", action="store_true", help="toute la France")
    demo.add_argument("--raw", type=Path, help="dossier où écrire les fichiers (défaut : data/raw/demo)")
    demo.set_defaults(handler=_demo)

    refresh = sub.add_parser("refresh", help="reconstruire l'entrepôt à partir des fichiers bruts configurés")
    refresh.add_argument("--config", type=Path, help="fichier de configuration (défaut : sdsf.toml)")
    refresh.add_argument("--raw", type=Path, help="dossier des fichiers bruts")
    scope = refresh.add_mutually_exclusive_group()
    scope.add_argument("--departements", nargs="+", metavar="DEP")
    scope.add_argument("--all", action="store_true", help="toute la France")
    refresh.add_argument("--base-year", type=int, help="année de référence des créations de places")
    refresh.add_argument("--force", action="store_true", help="reconstruire même si les entrées n'ont pas changé")
    refresh.add_argument("--accept-shrink", action="store_true",
                         help="accepter une source dont le nombre de lignes baisse de plus de 20 %%")
    refresh.set_defaults(handler=_refresh)

    status = sub.add_parser("status", help="ce que contient l'entrepôt : sources, millésimes, dernières exécutions")
    status.set_defaults(handler=_status)

    export = sub.add_parser("export", help="exporter le tableau d'indicateurs (livret CTG)")
    export.add_argument("--level", choices=LEVELS, required=True)
    export.add_argument("--epci", nargs="+", metavar="CODE", help="EPCI à retenir (SIREN)")
    export.add_argument("--year", type=int, help="année (défaut : toutes)")
    export.add_argument("--format", choices=("csv", "xlsx"), required=True)
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(handler=_export)

    geo = sub.add_parser("geo", help="construire la géographie (COG, contours) de départements")
    geo_scope = geo.add_mutually_exclusive_group(required=True)
    geo_scope.add_argument("--departements", nargs="+", metavar="DEP")
    geo_scope.add_argument("--all", action="store_true")
    geo.set_defaults(handler=_geo)

    fetch = sub.add_parser("fetch-caf", help="télécharger les jeux data.caf.fr dans le dossier brut")
    fetch.add_argument("--raw", type=Path, help="dossier des fichiers bruts (défaut : celui de sdsf.toml)")
    fetch.add_argument("--years", nargs="+", type=int)
    fetch.add_argument("--base-url")
    fetch.set_defaults(handler=_fetch_caf)

    templates = sub.add_parser("templates", help="écrire les modèles d'import vierges (CSV et XLSX)")
    templates.add_argument("--out", type=Path, default=Path("modeles"))
    templates.set_defaults(handler=_templates)

    app = sub.add_parser("app", help="lancer le tableau de bord Streamlit")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(handler=_app)
    return p


def _report(result: RunResult) -> int:
    label = {"success": "Succès", "noop": "Aucun changement", "rejected": "Entrée rejetée",
             "failed": "Échec", "locked": "Verrouillé"}[result.outcome]
    print(f"{label} ({result.run_id}, {result.seconds:.1f} s) : {result.message}")
    _listed("Problèmes", result.problems)
    _listed("Avertissements", result.notices)
    if result.timings:
        print("Durées : " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.timings.items()))
    for table, count in result.rows.items():
        print(f"  {table:<22} {count:>10,}".replace(",", "\u202f"))
    return result.exit_code


SHOWN = 50


def _listed(title: str, items) -> None:
    """Up to ``SHOWN`` items, then how many there are in all (lines they stand for included)."""
    if not items:
        return
    lines = total(items)
    print(f"{title} ({lines} ligne(s) concernée(s)) :" if lines != len(items) else f"{title} ({len(items)}) :")
    for item in items[:SHOWN]:
        print(f"  - {item}")
    if len(items) > SHOWN:
        print(f"  … et {len(items) - SHOWN} autres (voir « sdsf status » et la page Données)")


def _demo(args) -> int:
    from pipelines.demo import generate_demo
    raw = args.raw or paths.raw_dir() / "demo"
    departements = None if args.all else args.departements
    started = time.perf_counter()
    files = generate_demo(departements, raw)
    print(f"Données fictives écrites dans {raw} ({len(files)} fichiers, {time.perf_counter() - started:.1f} s)")
    code = _report(run(RefreshRequest(raw, departements, base_year=2017)))
    if code == EXIT_OK:
        _status(args)
    return code


def _refresh(args) -> int:
    config = load_config(args.config)
    departements = None if args.all else (args.departements or config.departements)
    request = RefreshRequest(args.raw or config.raw, departements, args.base_year or config.base_year, args.force,
                             args.accept_shrink, config.secrecy_threshold)
    return _report(run(request))


def _status(args) -> int:
    from pipelines.outputs.status import describe
    print(describe())
    return EXIT_OK


def _export(args) -> int:
    from pipelines.outputs.export_table import export_table
    try:
        path, rows = export_table(args.level, args.format, args.out, epci=args.epci, year=args.year)
    except ValueError as exc:
        print(f"Export impossible : {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"{rows} lignes écrites dans {path}")
    return EXIT_OK


def _geo(args) -> int:
    from pipelines.geography.build import build
    summary = build(None if args.all else args.departements)
    print(f"Géographie construite : {summary['communes']} communes, {summary['epci']} EPCI ; contours : "
          f"{', '.join(summary['departements_with_contours'])}")
    return EXIT_OK


def _fetch_caf(args) -> int:
    from pipelines.errors import FetchError
    from pipelines.sources.caf_api import CafClient, fetch_to_csv
    config = load_config()
    client = CafClient(args.base_url or config.caf_base_url)
    dest = (args.raw or config.raw) / "caf"
    try:
        for dataset in config.caf_datasets:
            print(f"{dataset} → {fetch_to_csv(client, dataset, dest, years=args.years)}")
    except FetchError as exc:
        print(f"Téléchargement impossible : {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _templates(args) -> int:
    from pipelines.sources.extracts import write_templates
    for path in write_templates(args.out):
        print(path)
    return EXIT_OK


def _app(args) -> int:
    script = paths.REPO_ROOT / "app" / "main.py"
    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
