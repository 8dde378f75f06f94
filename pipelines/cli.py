"""``sdsf``: the data steward's command (demo, refresh, worker, status, export, geo, fetch-caf, templates, users,
app)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pipelines import paths
from pipelines.config import load_config
from pipelines.errors import total
from pipelines.refresh import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_REJECTED, RefreshRequest, RunResult, run

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

    worker = sub.add_parser("worker", help="exécuter les actualisations demandées depuis l'application "
                                           "(file d'attente)")
    worker.add_argument("--once", action="store_true", help="vider la file puis s'arrêter")
    worker.add_argument("--poll", type=float, default=10.0, help="secondes entre deux regards sur la file")
    worker.add_argument("--wait", type=float, default=900.0,
                        help="--once : attendre au plus autant de secondes qu'une autre actualisation se termine")
    worker.set_defaults(handler=_worker)

    users = sub.add_parser("users", help="comptes locaux de l'application (sans SSO)")
    users_sub = users.add_subparsers(required=True, metavar="ACTION")
    add = users_sub.add_parser("add", help="créer un compte (ou le remplacer avec --replace)")
    add.add_argument("user")
    add.add_argument("--role", required=True, choices=("lecteur", "analyste", "administrateur"))
    add.add_argument("--name", default="", help="nom affiché")
    add.add_argument("--replace", action="store_true", help="changer le rôle ou le mot de passe d'un compte existant")
    add.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    add.set_defaults(handler=_users_add)
    remove = users_sub.add_parser("remove", help="supprimer un compte")
    remove.add_argument("user")
    remove.set_defaults(handler=_users_remove)
    users_sub.add_parser("list", help="lister les comptes").set_defaults(handler=_users_list)

    status = sub.add_parser("status", help="ce que contient l'entrepôt : sources, millésimes, dernières exécutions")
    status.set_defaults(handler=_status)

    export = sub.add_parser("export", help="exporter le tableau d'indicateurs (livret CTG)")
    export.add_argument("--level", choices=LEVELS, required=True)
    export.add_argument("--epci", nargs="+", metavar="CODE", help="EPCI à retenir (SIREN)")
    export.add_argument("--year", type=int, help="année (défaut : toutes)")
    export.add_argument("--format", choices=("csv", "xlsx"), required=True)
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(handler=_export)

    bilan = sub.add_parser("bilan", help="bilan annuel de l'offre (année N par rapport à N-1) d'un territoire")
    bilan.add_argument("--level", choices=("departement", "epci", "arrondissement"), default="departement")
    bilan.add_argument("--code", help="code du territoire (défaut : le premier département de l'entrepôt)")
    bilan.add_argument("--year", type=int, help="année N (défaut : la dernière)")
    bilan.add_argument("--out", type=Path, help="écrire aussi la synthèse imprimable (HTML)")
    bilan.set_defaults(handler=_bilan)

    plan = sub.add_parser("plan", help="exporter le plan d'action et ses indicateurs (XLSX ou HTML imprimable)")
    plan.add_argument("--departement", help="département du plan (défaut : le premier plan chargé)")
    plan.add_argument("--year", type=int, help="année des statuts des fiches (défaut : la dernière du schéma)")
    plan.add_argument("--out", type=Path, required=True, help="fichier .xlsx ou .html")
    plan.set_defaults(handler=_plan)

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

    templates = sub.add_parser("templates", help="écrire les modèles d'import vierges (extraits CSV et XLSX, "
                                                 "plan d'action XLSX)")
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
    return _report(_run_with_jobs(request))


def _run_with_jobs(request: RefreshRequest) -> RunResult:
    """One run that also answers every refresh asked from the app meanwhile (their files are in its inputs)."""
    from pipelines import jobs

    jobs.recover_stale()
    batch = []
    while (job := jobs.claim()) is not None:
        batch.append(job)
    result = run(request)
    for job in batch:
        if result.outcome == "locked":
            jobs.release(job)  # the running refresh may have started before the job's file: ask again later
        else:
            jobs.finish(job, result.outcome, result.message, result.exit_code, result.run_id)
    return result


def _worker(args) -> int:
    from pipelines import jobs

    config = load_config()
    request = RefreshRequest(config.raw, config.departements, config.base_year,
                             secrecy_threshold=config.secrecy_threshold)
    waited, code = 0.0, EXIT_OK
    while True:
        jobs.recover_stale()
        if not jobs.pending():
            if args.once:
                return code
            time.sleep(args.poll)
            continue
        result = _run_with_jobs(request)
        if result.outcome == "locked":
            if args.once and waited >= args.wait:
                print("Une autre actualisation est en cours : demandes laissées en attente.", file=sys.stderr)
                return EXIT_LOCKED
            time.sleep(min(args.poll, 5.0))
            waited += min(args.poll, 5.0)
            continue
        code = _report(result)


def _accounts_path() -> Path:
    from pipelines.access.config import load_access
    return load_access().accounts


def _users_add(args) -> int:
    import getpass

    from pipelines.access.accounts import AccountError, add_account
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Mot de passe (encore) : ") != password:
            print("Les deux saisies diffèrent : compte non créé.", file=sys.stderr)
            return EXIT_REJECTED
    try:
        account = add_account(_accounts_path(), args.user, args.role, password, args.name, replace=args.replace)
    except AccountError as exc:
        print(f"Compte non créé : {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Compte « {account.user} » ({account.role}) enregistré dans {_accounts_path()}")
    return EXIT_OK


def _users_remove(args) -> int:
    from pipelines.access.accounts import AccountError, remove_account
    try:
        remove_account(_accounts_path(), args.user)
    except AccountError as exc:
        print(f"Compte non supprimé : {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Compte « {args.user} » supprimé")
    return EXIT_OK


def _users_list(args) -> int:
    from pipelines.access.accounts import list_accounts
    accounts = list_accounts(_accounts_path())
    if not accounts:
        print(f"Aucun compte dans {_accounts_path()}")
    for account in accounts:
        print(f"{account.user:<24} {account.role:<15} {account.name:<30} créé le {account.created_at}")
    return EXIT_OK


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


def _bilan(args) -> int:
    from pipelines.outputs.review_summary import review_document, synthesis
    from pipelines.warehouse.query import Warehouse
    wh = Warehouse.open_current()
    try:
        years = wh.review_years()
        code = args.code or wh.meta().get("departements", "").split(",")[0]
        year = args.year or (years[-1] if years else None)
        names = wh.territories(args.level).set_index("code")["name"]
        if year not in years or code not in names.index:
            print(f"Bilan impossible : territoire {code} ou année {year} absent de l'entrepôt (années : "
                  f"{', '.join(map(str, years)) or 'aucune'}).", file=sys.stderr)
            return EXIT_REJECTED
        print(f"Bilan {year} de l'offre — {names[code]} ({year} par rapport à {year - 1})")
        for sentence in synthesis(wh.annual_review(args.level, code, year), year):
            print(f"  - {sentence}")
        if args.out:
            args.out.write_text(review_document(wh, args.level, code, year), encoding="utf-8")
            print(f"Synthèse imprimable écrite dans {args.out}")
    finally:
        wh.close()
    return EXIT_OK


def _plan(args) -> int:
    from pipelines.outputs.plan_report import plan_document, plan_xlsx
    from pipelines.warehouse.query import Warehouse
    wh = Warehouse.open_current()
    try:
        plans = wh.plans().set_index("departement")
        departement = args.departement or (plans.index[0] if len(plans) else None)
        if departement not in plans.index:
            print(f"Aucun plan d'action chargé pour {departement or 'ce périmètre'} (modèle : sdsf templates, "
                  "à déposer dans plan/plan_action*.xlsx).", file=sys.stderr)
            return EXIT_REJECTED
        year = args.year or int(plans.loc[departement, "last_year"])
        if args.out.suffix.lower() == ".xlsx":
            args.out.write_bytes(plan_xlsx(wh, departement, year))
        elif args.out.suffix.lower() in (".html", ".htm"):
            args.out.write_text(plan_document(wh, departement, year), encoding="utf-8")
        else:
            print("Export impossible : --out doit finir par .xlsx ou .html", file=sys.stderr)
            return EXIT_REJECTED
        print(f"Plan d'action {departement} (statuts de {year}) écrit dans {args.out}")
    finally:
        wh.close()
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
    from pipelines.sources.plan import BLANK_NAME, write_plan
    for path in [*write_templates(args.out), write_plan(args.out / BLANK_NAME)]:
        print(path)
    return EXIT_OK


def _app(args) -> int:
    script = paths.REPO_ROOT / "app" / "main.py"
    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
