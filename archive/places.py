"""Places of the archive's press: names the analyzer indexes unstemmed (`Mali` is not `mal`)
and that a rubric never is ("Bamako Les commerçants…" opens with a dateline)."""

PLACES = (
    "Mali", "Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao",
    "Kidal", "Ménaka", "Taoudéni", "Kati", "Niger", "Sénégal", "Guinée", "Burkina", "Faso",
    "Côte d'Ivoire", "Mauritanie", "Algérie", "Togo", "Bénin", "Ghana", "Nigeria", "France",
    "Afrique", "Sahel", "Liptako", "Gourma", "Tessalit", "Niono", "San", "Djenné", "Bandiagara",
    "Koutiala", "Bougouni", "Kita", "Nioro", "Kolokani", "Diéma", "Yélimané", "Douentza",
    "Bourem", "Ansongo", "Goundam", "Diré", "Macina", "Ténenkou", "Youwarou", "Bla", "Dioïla",
    "Kadiolo", "Yanfolila", "Kangaba", "Nara", "Banamba", "Aguelhok", "Anefis", "Léré",
    "Abidjan", "Dakar", "Ouagadougou", "Niamey", "Conakry", "Nouakchott", "Alger", "Paris",
)  # fmt: skip
