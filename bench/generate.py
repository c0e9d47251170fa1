"""A synthetic directory in our own YAML format, N activities, the same for the same seed.

    python bench/generate.py N WORK/data [--seed 1]

Shaped like the real data: organisations with one to three activities, Finnish names and
multi-sentence descriptions, two to five service bullets with concepts from the schemes,
training (hours sometimes missing), support records with schedules, target groups with
ages, areas. Organisation k is drawn from its own seeded generator, so a smaller N is a
prefix of a larger one. The folder is a complete data folder: dataset.yaml, statistics.yaml,
faq.yaml, documents.yaml and VSLJ's own entry are copied from data/, so
`kokemus-ld --data OUT_DIR validate` passes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import words as W  # noqa: E402 - bench/ is not a package

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["dataset.yaml", "statistics.yaml", "faq.yaml", "documents.yaml", "organisations/vslj.yaml"]
ROLES = ["rooli-kokemusasiantuntija", "rooli-vertaistukija", "rooli-kokemustoimija", "rooli-vertaisohjaaja",
         "rooli-kehittajanuori", "rooli-kokemuskumppani", "rooli-vertaisomainen"]
GROUPS = ["kr-ammattilaiset", "kr-asiakasvanhemmat", "kr-kriisissa-olevat", "kr-lapsen-menettaneet",
          "kr-lapsiperheet", "kr-lastensuojelun-nuoret", "kr-nuoret", "kr-omaiset",
          "kr-pakolaistaustaiset-nuoret", "kr-perinataalimasennus", "kr-sisaruksen-menettaneet-aikuiset"]
YOUNG = {"kr-lastensuojelun-nuoret", "kr-nuoret", "kr-pakolaistaustaiset-nuoret"}
AREAS = ["alue-maakunta-02", "alue-hyvinvointialue-varha", "alue-kunta-853", "alue-kunta-564", "alue-kunta-734"]
QUALIFIERS = ["maara-noin", "maara-vahintaan", "maara-enintaan", "maara-tasan"]
QUALIFIER_WORDS = {"maara-noin": "noin", "maara-vahintaan": "vähintään", "maara-enintaan": "enintään",
                   "maara-tasan": "tasan"}
SELECTIONS = ["valinta-haastattelu", "valinta-jarjeston-rekrytointi", "valinta-soveltuvuusarvio"]
MODES = ["tapa-eta", "tapa-lahi", "tapa-ryhma", "tapa-yksilo"]
PERIODS = ["week", "month", "year"]


def organisation(k: int, rng: random.Random) -> dict:
    """Organisation number k: a name from a place and a theme, sometimes units and a homepage."""
    place, place_slug = rng.choice(W.REGIONS)
    theme = rng.choice(W.THEMES)
    org = {"id": f"jarjesto-{k:05d}", "name": f"{place} {theme} {rng.choice(W.LEGAL_FORMS)}",
           "vslj_member": rng.random() < 0.7}
    if rng.random() < 0.3:
        org["alt_names"] = [f"{place} {theme.split()[0]}"]
    if rng.random() < 0.25:
        kinds = rng.sample(W.UNIT_KINDS, rng.randint(1, 2))
        org["units"] = [{"id": f"{kind}-{place_slug}", "name": f"{place} {kind}"} for kind in kinds]
    if rng.random() < 0.5:
        org["business_id"] = f"{rng.randint(1000000, 3299999)}-{rng.randint(0, 9)}"
    if rng.random() < 0.6:
        org["homepage"] = f"https://www.{place_slug}-jarjesto-{k}.fi/"
    return org


def activity(org: dict, index: int, rng: random.Random) -> dict:
    """One directory entry of an organisation: description, services, training, support."""
    entry = {"id": f"{org['id']}-{index}", "organisation": org["id"]}
    if org.get("units") and rng.random() < 0.5:
        entry["unit"] = rng.choice(org["units"])["id"]
    project = rng.random() < 0.3
    if project or rng.random() < 0.3:
        entry["name"] = f"{rng.choice(W.PROJECT_WORDS)}-hanke" if project else f"{org['name']}: {rng.choice(W.ACTORS).lower()}"
    entry["heading"] = org["name"]
    entry["kind"] = "ohjelma-hanke" if project else "ohjelma-toiminta"
    entry["description"] = description(rng)
    roles = rng.sample(ROLES, rng.randint(1, 2))
    entry["actors"] = [actor(role, rng) for role in roles]
    entry["target_groups"] = [target_group(g, rng) for g in rng.sample(GROUPS, rng.randint(1, 3))]
    if rng.random() < 0.1:
        entry["nationwide"] = True
        entry["areas"] = ["alue-koko-suomi"]
    else:
        entry["areas"] = rng.sample(AREAS, rng.randint(1, 2))
    entry["services"] = services(rng)
    if rng.random() < 0.85:
        entry["training"] = training(roles, rng)
    entry["support"] = [support(kind, roles, rng) for kind in rng.sample(sorted(W.SUPPORT), rng.randint(1, 4))]
    return entry


def description(rng: random.Random) -> str:
    """Two to five sentences about the goal, the actors, where they work and for whom."""
    sentences = [
        f"Kokemustoiminnan tavoitteena on {rng.choice(W.GOALS)}.",
        f"{rng.choice(W.ACTORS)} ovat koulutettuja vapaaehtoisia, joilla on {rng.choice(W.EXPERIENCES)}.",
        f"He toimivat {rng.choice(W.SETTINGS_OF_WORK)} ja {rng.choice(W.SETTINGS_OF_WORK)}.",
        f"Toiminta on suunnattu {rng.choice(W.AUDIENCES)}, ja sitä järjestetään {rng.choice(W.PLACES)}.",
        rng.choice(W.EXTRA_SENTENCES),
    ]
    return " ".join(sentences[: rng.randint(2, 5)])


def actor(role: str, rng: random.Random) -> dict:
    """Who the actors are: a role, sometimes ages and how they take part."""
    group = {"role": role}
    if role == "rooli-kehittajanuori":
        group["min_age"], group["max_age"] = rng.randint(13, 16), rng.randint(25, 29)
    if rng.random() < 0.6:
        group["engagement"] = "osallistuminen-vapaaehtoinen"
    return group


def target_group(group: str, rng: random.Random) -> dict:
    """A target group, with ages for the young ones."""
    item = {"group": group}
    if group in YOUNG and rng.random() < 0.7:
        item["min_age"], item["max_age"] = rng.randint(12, 16), rng.randint(18, 29)
    return item


def services(rng: random.Random) -> list:
    """Two to five bullets, each meaning one concept (sometimes two)."""
    chosen = rng.sample(sorted(W.SERVICES), rng.randint(2, 5))
    bullets = []
    for concept in chosen:
        concepts = [concept]
        if concept == "palvelu-ryhmanohjaus" and rng.random() < 0.3:
            concepts.append("palvelu-tukihenkilo")
        bullets.append({"text": rng.choice(W.SERVICES[concept]), "concepts": concepts})
    return bullets


def training(roles: list, rng: random.Random) -> dict:
    """The training block: hours in seven cases of ten, selection in six."""
    t = {"description": " ".join(rng.sample(W.TRAINING_SENTENCES, rng.randint(1, 3))), "for_roles": roles[:1]}
    if rng.random() < 0.7:
        low = rng.choice([10, 16, 20, 24, 30, 40, 50, 60, 80, 100, 120])
        unit = rng.choice(["yksikko-tunti", "yksikko-tunti", "yksikko-oppitunti"])
        hours = {"min": low, "unit": unit}
        said = f"{low} {'tuntia' if unit == 'yksikko-tunti' else 'oppituntia'}"
        if rng.random() < 0.3:
            hours["max"] = low + rng.choice([10, 20])
            said = f"{low}–{hours['max']} {said.split()[1]}"
        elif rng.random() < 0.5:
            hours["qualifier"] = rng.choice(QUALIFIERS)
            said = f"{QUALIFIER_WORDS[hours['qualifier']]} {said}"
        hours["text"] = said
        t["hours"] = [hours]
    if rng.random() < 0.3:
        months = rng.randint(2, 6)
        t["duration_months"] = {"min": months, "max": months + rng.randint(0, 2)}
    if rng.random() < 0.2:
        t["weekly_hours"] = rng.choice([2, 3, 4])
    if rng.random() < 0.6:
        t["selection"] = rng.choice(SELECTIONS)
    t["provider"] = rng.choice(W.PROVIDERS)
    if rng.random() < 0.4:
        t["requirements"] = rng.choice(W.REQUIREMENTS)
    if rng.random() < 0.3:
        t["locations"] = rng.sample(AREAS, 1)
    return t


def support(kind: str, roles: list, rng: random.Random) -> dict:
    """One support bullet: its kind, who gives it, sometimes how often."""
    text, given_by = W.SUPPORT[kind]
    record = {"text": text, "kinds": [kind], "given_by": given_by}
    if rng.random() < 0.4:
        record["modes"] = rng.sample(MODES, 1)
    if rng.random() < 0.2:
        record["applies_to"] = roles[0]
    if rng.random() < 0.3:
        record["on_demand"] = True
    if rng.random() < 0.5:
        record["schedules"] = [{"count": rng.randint(1, 6), "per": rng.choice(PERIODS)}
                               for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            record["schedules"][0]["qualifier"] = rng.choice(QUALIFIERS)
    return record


def directory(n: int, seed: int = 1):
    """Yield (organisation, [activities]) until n activities are written."""
    written, k = 0, 0
    while written < n:
        rng = random.Random(f"{seed}:{k}")
        org = organisation(k, rng)
        count = min(rng.randint(1, 3), n - written)
        yield org, [activity(org, i + 1, rng) for i in range(count)]
        written += count
        k += 1


def to_yaml(value, indent: str = "") -> str:
    """Block YAML for plain dicts, lists and scalars; strings as JSON (valid YAML) quotes."""
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{indent}{key}:\n{to_yaml(item, indent + '  ')}")
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
        return "\n".join(lines)
    lines = []
    for item in value:
        if isinstance(item, dict):
            body = to_yaml(item, indent + "  ")
            lines.append(f"{indent}- {body[len(indent) + 2:]}")
        else:
            lines.append(f"{indent}- {_scalar(item)}")
    return "\n".join(lines)


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def write(n: int, out: Path, seed: int = 1) -> Path:
    """Write a complete data folder of n activities into `out` (replacing it); `out` is named
    `data`, because the shapes expect every kt:sourceFile to read `data/...yaml`."""
    if out.name != "data":
        raise ValueError(f"the data folder must be named 'data', not {out.name!r}")
    if out.exists():
        shutil.rmtree(out)
    (out / "activities").mkdir(parents=True)
    (out / "organisations").mkdir()
    for name in COPIED:
        shutil.copyfile(ROOT / "data" / name, out / name)
    for org, activities in directory(n, seed):
        (out / "organisations" / f"{org['id']}.yaml").write_text(
            f"# Synteettinen järjestö (bench/generate.py)\n{to_yaml(org)}\n", encoding="utf-8")
        for entry in activities:
            (out / "activities" / f"{entry['id']}.yaml").write_text(
                f"# Synteettinen merkintä (bench/generate.py)\n{to_yaml(entry)}\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: N and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of activities (directory entries)")
    parser.add_argument("out", type=Path, help="data folder to write (replaced), named `data`")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write(args.n, args.out, args.seed)
    print(f"{args.n} activities -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
