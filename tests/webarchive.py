"""A tiny French archive for the web tests: article files written here, indexed for real."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from archive import articlefile
from archive.config import Config, Limits, load_config
from archive.indexing.jobs import reindex
from archive.models import Article
from archive.web.server import make_server

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def served(app: Flask, threads: int = 4) -> Iterator[str]:
    """Serve the app with waitress, as `archive serve` does, on a free port of 127.0.0.1;
    yield its base URL.

    The serving thread closes the server itself once asked to stop, so no socket is closed
    under a select() still running on it.
    """
    server = make_server(app, "127.0.0.1", 0, threads=threads)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        server.close()
        server.task_dispatcher.shutdown()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
SNEC = "Syndicat national de l'éducation et de la culture"
UNTM = "Union nationale des travailleurs du Mali"
CMDT = "Compagnie malienne pour le développement des textiles"
CEDEAO = "Communauté économique des États de l'Afrique de l'Ouest"
HOSTILE_TITLE = '<script>alert("titre")</script> "><img src=x onerror=alert(1)> Piège'

ARTICLES = [
    Article(
        id="greve-des-enseignants-a-bamako", title="Grève des enseignants à Bamako",
        body="Les enseignants de Bamako ont cessé le travail lundi pour réclamer le paiement "
             "de leurs primes. Dans l’école de Badalabougou, les classes sont restées vides.\n\n"
             "Le syndicat appelle les parents d'élèves à la patience et promet une reprise "
             "rapide si le gouvernement tient parole.",
        section="Société", author=("Aminata Koné",), date="2019-07-05",
        organisations=(SNEC, UNTM), url="https://journal.example/greve-enseignants",
        publisher="Le Quotidien d’essai"),
    Article(
        id="ecoles-fermees-a-kayes", title="Écoles fermées à Kayes",
        body="À Kayes, l'école primaire du quartier Liberté n’a pas rouvert après les "
             "vacances. Les parents s'inquiètent du retard pris par les élèves.",
        section="Société", author=("Moussa Traoré",), date="2019-11-20",
        organisations=(UNTM,), publisher="Le Quotidien d’essai"),
    Article(
        id="greve-dans-les-hopitaux", title="Grève dans les hôpitaux de Sikasso",
        body="Les agents de santé de l’hôpital régional de Sikasso observent une grève de "
             "72 heures. Les urgences restent assurées.",
        section="Santé", author=("Aminata Koné",), date="2020-02-03",
        organisations=(UNTM,)),
    Article(
        id="recolte-record-de-coton", title="Récolte record de coton à Koutiala",
        body="La campagne cotonnière dépasse les prévisions : les producteurs de Koutiala "
             "saluent l'arrivée rapide des intrants.",
        section="Économie", author=("Issa Diarra",), date="2021-03-14",
        organisations=(CMDT,)),
    Article(
        id="rentree-scolaire-sous-tension", title="Rentrée scolaire sous tension",
        body="La rentrée s’est faite dans le calme, mais l'école publique manque toujours "
             "d'enseignants qualifiés. Les syndicats demandent des recrutements.",
        section="Société", author=("Moussa Traoré", "Aminata Koné"), date="2021-10-04",
        organisations=(SNEC, UNTM)),
    Article(
        id="sommet-de-la-cedeao-a-accra", title="Sommet de la CEDEAO à Accra",
        body="Les chefs d'État de la Communauté économique des États de l'Afrique de l'Ouest "
             "se sont réunis à Accra pour parler de sécurité au Sahel.",
        section="International", author=("Issa Diarra",), date="2022-06-10",
        organisations=(CEDEAO,)),
    Article(
        id="piege-pour-le-navigateur", title=HOSTILE_TITLE,
        body='Un texte piégé : <b>gras</b> & "guillemets" <script>alert(2)</script> '
             "pour vérifier que l'école des pirates reste du texte.",
        section="Société", author=('"><svg onload=alert(3)>',), date="2018-05-01",
        organisations=("<i>Organisation piégée</i>",),
        url='https://journal.example/p?x="><script>alert(4)</script>'),
    Article(
        id="chronique-de-la-nuit", title="Chronique : Bamako la nuit",
        body="Bamako la nuit, entre maquis et embouteillages, la ville ne dort jamais.",
        section="Culture"),
]


def build_archive(root: Path, articles: list[Article] = ARTICLES, **limits: int) -> Config:
    """Write the article files under root/data, index them, and return the configuration."""
    data = root / "data"
    (data / "articles").mkdir(parents=True, exist_ok=True)
    authority = ROOT / "data" / "organisations.yaml"
    if authority.exists():
        shutil.copy(authority, data / "organisations.yaml")
    (root / "index").mkdir(exist_ok=True)
    config = _config(root)
    config = dataclasses.replace(config, limits=dataclasses.replace(Limits(), **limits))
    for article in articles:
        articlefile.write(config.articles_dir, article)
    reindex(config, full=True)
    return config


def _config(root: Path) -> Config:
    path = root / "archive.yaml"
    path.write_text("site_name: Archives d'essai\ndata_dir: data\nindex_dir: index\n",
                    encoding="utf-8")
    return load_config(path)
