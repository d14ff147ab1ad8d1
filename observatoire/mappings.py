"""L'assistant de correspondance : brouillon du fichier de correspondance d'une nouvelle source, puis contrôle.

    python -m observatoire.mappings draft <dossier> [--out FICHIER] [--force]
    python -m observatoire.mappings check <dossier> [--mapping FICHIER]

``draft`` lit les fichiers du dossier d'une source (``data/inbox/suivi_clauses/<source>/``) et écrit un brouillon de
correspondance à relire : chaque en-tête rapproché d'un champ du format d'échange (avec son score), les en-têtes
sans champ, et pour chaque champ codé chaque valeur trouvée avec son nombre et le code proposé ; une valeur non
résolue est laissée à "?". Par défaut le brouillon est écrit dans ``$OBSERVATOIRE_MAPPINGS_DIR/<source>.yaml`` ; si
ce fichier existe déjà, il n'est pas remplacé (sauf ``--force``) : le brouillon est écrit à côté, dans
``<source>.draft.yaml``. Les valeurs des champs personnels (nom, prénom, date de naissance, contacts) ne sont ni
lues ni écrites.

``check`` charge le dossier avec la correspondance (par défaut celle de la source) dans un entrepôt temporaire,
avec une clé de pseudonymisation jetable, par le vrai chargeur, et affiche le bilan du chargement, les libellés
encore inconnus (à ajouter dans ``values``) et les lignes rejetées par motif. Rien n'est écrit dans l'entrepôt.

Codes de sortie :
    0  draft : brouillon complet (tout rapproché) ; check : rien ne serait rejeté ni laissé inconnu
    1  draft : brouillon écrit, mais des points restent à compléter ("?", en-têtes ou fichiers non reconnus) ;
       check : des lignes seraient rejetées, des libellés inconnus ou des fichiers non lus
    2  la commande n'a pas pu s'exécuter (dossier absent, correspondance illisible, aucun fichier lisible)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from observatoire.settings import load_settings

OK, TO_REVIEW, ERROR = 0, 1, 2


def _progress(file: str, rows: int) -> None:
    if rows == 0:
        print(f"Lecture de {file}…", file=sys.stderr, flush=True)
    else:
        print(f"  … {rows:,} lignes lues".replace(",", "\u202f"), file=sys.stderr, flush=True)


def _draft_target(source: str, out: Path | None, force: bool) -> tuple[Path, str | None]:
    """Where the draft goes, and a note when it is not where asked (an existing mapping is never replaced)."""
    target = out or load_settings().mappings_dir / f"{source}.yaml"
    if target.exists() and not force and not target.name.endswith(".draft.yaml"):
        beside = target.with_name(target.name.removesuffix(".yaml").removesuffix(".yml") + ".draft.yaml")
        return beside, (
            f"{target} existe déjà : il n'est pas remplacé (--force pour le remplacer). Brouillon écrit dans {beside}"
        )
    return target, None


def draft(folder: Path, out: Path | None, force: bool) -> int:
    from dlt_sources.suivi_clauses.draft_mapping import draft_source, render_yaml

    if not folder.is_dir():
        print(f"Dossier introuvable : {folder}", file=sys.stderr)
        return ERROR
    result = draft_source(folder, progress=_progress)
    if not result.tables:
        print(f"Aucun fichier lisible de suivi des clauses dans {folder}.", file=sys.stderr)
        for name, why in result.refused:
            print(f"  - {name} : {why}", file=sys.stderr)
        return ERROR
    target, note = _draft_target(result.source, out, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_yaml(result), encoding="utf-8")
    print(f"Brouillon de correspondance de la source « {result.source} » écrit dans {target}")
    if note:
        print(note)
    for table in result.tables.values():
        matched, unmatched = len(table.matched), len(table.unmatched)
        line = f"- {table.table} ({', '.join(table.files)}"
        line += f", feuille « {table.sheet} »)" if table.sheet else ")"
        line += f" : {matched} en-tête(s) rapproché(s)"
        if unmatched:
            line += f", {unmatched} sans champ ({', '.join(h.header for h in table.unmatched)})"
        if table.months_format:
            line += f", {table.month_headers} colonnes de mois ({table.months_format})"
        print(line)
        missing = table.missing_required()
        if missing:
            print(f"    champs obligatoires sans colonne : {', '.join(missing)}")
        for name, proposals in table.proposals.items():
            known = sum(1 for p in proposals if p.known)
            proposed = sum(1 for p in proposals if not p.known and not p.unresolved)
            left = [p.label for p in proposals if p.unresolved]
            text = f"    {name} : {len(proposals)} valeur(s) — {known} reconnue(s), {proposed} proposée(s)"
            if left:
                text += f', {len(left)} à compléter ("?") : {", ".join(left)}'
            print(text)
        for note_text in table.notes:
            print(f"    attention : {note_text}")
    for name, why in result.refused:
        print(f"- fichier non utilisé : {name} ({why})")
    if result.complete:
        print("Tout est rapproché : relisez les scores, puis vérifiez avec la commande check.")
        return OK
    print(
        'À compléter : remplacez chaque "?" par un code (ou null), associez les en-têtes utiles, puis :\n'
        f"  python -m observatoire.mappings check {folder} --mapping {target}"
    )
    return TO_REVIEW


def check(folder: Path, mapping: Path | None) -> int:
    from dlt_sources.suivi_clauses.draft_mapping import check_source
    from dlt_sources.suivi_clauses.mapping import MappingError

    if not folder.is_dir():
        print(f"Dossier introuvable : {folder}", file=sys.stderr)
        return ERROR
    if mapping is None:
        default = load_settings().mappings_dir / f"{folder.name}.yaml"
        mapping = default if default.exists() else None
    elif not mapping.is_file():
        print(f"Fichier de correspondance introuvable : {mapping}", file=sys.stderr)
        return ERROR
    print(f"Contrôle de {folder} avec {'la correspondance ' + str(mapping) if mapping else 'aucune correspondance'}")
    print("(chargement d'essai dans un entrepôt temporaire, effacé ensuite)", flush=True)
    try:
        report = check_source(folder, mapping)
    except MappingError as exc:
        print(f"Correspondance inutilisable : {exc}", file=sys.stderr)
        return ERROR
    except OSError as exc:  # the postal-code base or a file of the folder cannot be read
        print(f"Contrôle impossible : {exc}", file=sys.stderr)
        return ERROR
    print(report.summary)
    loaded = ", ".join(f"{table} {rows}" for table, rows in report.rows.items())
    print(f"Lignes chargées par table : {loaded or 'aucune'}")
    if report.unknown_labels:
        print("Libellés inconnus (lignes gardées, champ laissé vide ; à ajouter dans 'values') :")
        for table, header, field, label, count in report.unknown_labels:
            print(f"  {table}.{field} (colonne « {header} ») : {label!r} — {count} ligne(s)")
    if report.other_issues:
        print("Autres valeurs signalées (lignes gardées) :")
        for table, field, reason, count in report.other_issues:
            print(f"  {table}.{field} : {reason} — {count} ligne(s)")
    if report.rejects:
        print("Lignes rejetées, par motif :")
        for file, table, column, reason, count, lines in report.rejects:
            shown = ", ".join(str(line) for line in lines) + (", …" if count > len(lines) else "")
            where = f"{table}.{column}" if column else table
            print(f"  {file} › {where} : {reason} — {count} ligne(s) (n° {shown})")
    if report.clean:
        print("Rien ne serait rejeté ni laissé inconnu.")
        return OK
    return TO_REVIEW


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m observatoire.mappings",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    draft_parser = commands.add_parser("draft", help="écrire un brouillon de correspondance pour un dossier")
    draft_parser.add_argument("folder", type=Path, help="dossier de la source (data/inbox/suivi_clauses/<source>)")
    draft_parser.add_argument(
        "--out", type=Path, help="fichier à écrire (défaut : $OBSERVATOIRE_MAPPINGS_DIR/<source>.yaml)"
    )
    draft_parser.add_argument("--force", action="store_true", help="remplacer une correspondance existante")
    check_parser = commands.add_parser("check", help="dire ce qu'un chargement rejetterait encore")
    check_parser.add_argument("folder", type=Path, help="dossier de la source")
    check_parser.add_argument("--mapping", type=Path, help="correspondance à essayer (défaut : celle de la source)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.command == "draft":
        return draft(args.folder, args.out, args.force)
    return check(args.folder, args.mapping)


if __name__ == "__main__":
    sys.exit(main())
