"""Finnish word lists for the synthetic directory: names, sentences and bullets.

Every phrase is ordinary Finnish of the kind the real entries use (no placeholder words,
which the SHACL shapes flag); the generator only combines them.
"""

REGIONS = [
    ("Varsinais-Suomen", "varsinais-suomi"), ("Pohjois-Savon", "pohjois-savo"), ("Keski-Suomen", "keski-suomi"),
    ("Etelä-Pohjanmaan", "etela-pohjanmaa"), ("Pirkanmaan", "pirkanmaa"), ("Satakunnan", "satakunta"),
    ("Kymenlaakson", "kymenlaakso"), ("Lapin", "lappi"), ("Kainuun", "kainuu"),
    ("Pohjois-Karjalan", "pohjois-karjala"), ("Uudenmaan", "uusimaa"), ("Päijät-Hämeen", "paijat-hame"),
    ("Kanta-Hämeen", "kanta-hame"), ("Etelä-Savon", "etela-savo"), ("Pohjanmaan", "pohjanmaa"),
    ("Keski-Pohjanmaan", "keski-pohjanmaa"), ("Pohjois-Pohjanmaan", "pohjois-pohjanmaa"),
    ("Etelä-Karjalan", "etela-karjala"), ("Turun", "turku"), ("Salon", "salo"), ("Rauman", "rauma"),
    ("Porin", "pori"), ("Tampereen", "tampere"), ("Oulun", "oulu"), ("Kuopion", "kuopio"),
    ("Jyväskylän", "jyvaskyla"), ("Lahden", "lahti"), ("Vaasan", "vaasa"), ("Joensuun", "joensuu"),
    ("Kotkan", "kotka"), ("Lappeenrannan", "lappeenranta"), ("Hämeenlinnan", "hameenlinna"),
    ("Seinäjoen", "seinajoki"), ("Rovaniemen", "rovaniemi"), ("Kajaanin", "kajaani"), ("Mikkelin", "mikkeli"),
    ("Kokkolan", "kokkola"), ("Espoon", "espoo"), ("Vantaan", "vantaa"), ("Helsingin", "helsinki"),
    ("Uudenkaupungin", "uusikaupunki"), ("Loimaan", "loimaa"), ("Kaarinan", "kaarina"), ("Raision", "raisio"),
    ("Savonlinnan", "savonlinna"), ("Iisalmen", "iisalmi"), ("Forssan", "forssa"), ("Porvoon", "porvoo"),
]

THEMES = [
    "Perhetuki", "Lapsiperheiden tuki", "Nuorten tuki", "Mielenterveysomaiset", "Sijaisperheet",
    "Vertaistuki", "Ensi- ja turvakoti", "Lastensuojelun kehittäjät", "Päihdeomaiset", "Kriisikeskus",
    "Perheneuvonta", "Nuorisokodit", "Kasvatus- ja perheneuvonta", "Omaishoitajat", "Yksinhuoltajat",
    "Adoptioperheet", "Monikulttuuriset perheet", "Surevien tuki", "Lapsen oikeudet", "Vanhemmuuden tuki",
    "Jälkihuoltonuoret", "Läheisneuvonta", "Perhekuntoutus", "Lapsiperheiden kotiapu",
]

LEGAL_FORMS = ["ry", "ry", "ry", "ry", "säätiö sr", "yhdistys ry"]

PROJECT_WORDS = [
    "Veturi", "Kompassi", "Majakka", "Silta", "Askel", "Polku", "Tuulenpesä", "Verso", "Juuret", "Siivet",
    "Kipinä", "Lyhty", "Ankkuri", "Satama", "Kajo", "Sarastus", "Pilke", "Kumppani", "Lähde", "Ote",
    "Kaiku", "Ääni", "Kotipesä", "Nuotio", "Vaellus", "Tähdenlento", "Rantakivi", "Kiintopiste",
]

UNIT_KINDS = ["toimipiste", "perhekeskus", "kriisikeskus", "nuorisotalo", "olohuone"]

GOALS = [
    "lastensuojelun asiakkaiden äänen vahvistaminen palveluissa",
    "palveluiden kehittäminen asiakaslähtöisemmiksi",
    "perheiden hyvinvoinnin tukeminen arjen vaikeissa tilanteissa",
    "tiedon ja ymmärryksen lisääminen mielenterveyden haasteista",
    "nuorten osallisuuden vahvistaminen heitä koskevissa päätöksissä",
    "vanhemmuuden tukeminen vaikeissa elämäntilanteissa",
    "ammattilaisten osaamisen vahvistaminen kokemustiedon avulla",
    "häpeän ja leimautumisen vähentäminen",
    "sijoitettujen lasten ja nuorten kuulluksi tulemisen parantaminen",
    "läheisten jaksamisen tukeminen",
    "kriisissä olevien perheiden varhainen tukeminen",
    "päihde- ja mielenterveystyön palveluiden yhteensovittaminen",
]

ACTORS = [
    "Kokemusasiantuntijat", "Vertaistukijat", "Kokemustoimijat", "Vapaaehtoiset vertaisohjaajat",
    "Kehittäjänuoret", "Kokemuskumppanit", "Vertaisomaiset",
]

EXPERIENCES = [
    "omakohtainen kokemus lastensuojelun asiakkuudesta",
    "kokemus läheisen psyykkisestä sairastumisesta",
    "kokemus synnytyksen jälkeisestä masennuksesta",
    "kokemus sijaishuollosta ja jälkihuollosta",
    "kokemus perheen kriisistä ja siitä selviytymisestä",
    "kokemus läheisen päihteiden käytöstä",
    "kokemus lapsen tai sisaruksen menettämisestä",
    "kokemus vanhemmuudesta vaativissa olosuhteissa",
]

SETTINGS_OF_WORK = [
    "ammattilaisten koulutuksissa ja seminaareissa",
    "palveluiden kehittämisen työryhmissä",
    "työntekijän työparina asiakastyössä",
    "vertaisryhmien ohjaajina",
    "oppilaitosten oppitunneilla",
    "hyvinvointialueen asiakasraadeissa",
    "järjestön johtoryhmän jäseninä",
    "uusien työntekijöiden rekrytoinneissa",
]

AUDIENCES = [
    "lastensuojelun asiakasperheille", "sijoitetuille nuorille", "pikkulapsiperheiden vanhemmille",
    "mielenterveysomaisille", "sosiaali- ja terveysalan ammattilaisille", "kriisissä oleville perheille",
    "jälkihuollossa oleville nuorille aikuisille", "lapsensa menettäneille vanhemmille",
]

PLACES = [
    "järjestön toimitiloissa", "verkossa", "hyvinvointialueen perhekeskuksissa", "kouluilla ja oppilaitoksissa",
    "nuorisotaloilla", "kirjastojen ryhmätiloissa",
]

EXTRA_SENTENCES = [
    "Toiminta perustuu vapaaehtoisuuteen ja luottamuksellisuuteen.",
    "Jokainen kokemustoimija päättää itse, mitä omasta tarinastaan kertoo.",
    "Toiminnassa korostuu kokemustiedon ja ammattilaisen tiedon yhdistäminen.",
    "Uusia toimijoita otetaan mukaan kaksi kertaa vuodessa.",
    "Toimintaa kehitetään yhdessä toimijoiden kanssa palautteen perusteella.",
    "Kokemustoimijoille maksetaan palkkio tehtävistä järjestön ohjeiden mukaisesti.",
    "Toiminta on maksutonta niille, joille se on suunnattu.",
]

# services: concept id -> ways the seed page's bullets say it
SERVICES = {
    "palvelu-vertaistuki": ["Vertaistuki", "Vertaistuen antaminen samankaltaisia asioita kokeneille"],
    "palvelu-tyopari": ["Työntekijän työparina toimiminen", "Työntekijän työparina asiakastapaamisissa"],
    "palvelu-puheenvuorot": ["Kokemustoimijan puheenvuorot koulutuksissa ja seminaareissa",
                             "Kokemuspuheenvuorot oppilaitoksissa"],
    "palvelu-puheenvuorot-vertaisillat": ["Puheenvuorot vertaisilloissa"],
    "palvelu-kehittaminen": ["Palveluiden kehittäminen erilaisissa työryhmissä",
                             "Palveluiden kehittäjänä asiakasraadeissa"],
    "palvelu-vertaistilaisuuksien-koordinointi": ["Vertaistilaisuuksien koordinointi"],
    "palvelu-johtoryhmatyo": ["Osallistuminen järjestön johtoryhmän työskentelyyn"],
    "palvelu-rekrytointi": ["Mukana työntekijöiden rekrytoinneissa"],
    "palvelu-ryhmanohjaus": ["Ryhmänohjaajana toimiminen", "Vertaisryhmien ohjaaminen yhdessä työntekijän kanssa"],
    "palvelu-tukihenkilo": ["Tukihenkilönä toimiminen"],
    "palvelu-tiedon-lisaaminen": ["Tiedon ja ymmärryksen lisääminen yhteiskunnassa"],
    "palvelu-vertaisvastaanotto": ["Vertaisvastaanotto", "Vertaisvastaanotto perhekeskuksessa"],
}

# support kinds -> bullet sentences, and who gives it
SUPPORT = {
    "tuki-tyonohjaus": ("Kokemustoimijoille järjestetään säännöllistä työnohjausta.", "järjestön työnohjaaja"),
    "tuki-ryhmatyonohjaus": ("Ryhmämuotoista työnohjausta on tarjolla toimistolla ja etänä.", "ulkopuolinen työnohjaaja"),
    "tuki-yksilotyonohjaus": ("Pyydettäessä saatavilla on myös yksilötyönohjausta.", "työnohjaaja"),
    "tuki-koordinaattori": ("Vapaaehtoistyön koordinaattoriin voi olla yhteydessä kaikissa toimintaan liittyvissä asioissa.",
                            "vapaaehtoistyön koordinaattori"),
    "tuki-lisakoulutus": ("Toimijoille järjestetään lisäkoulutuksia ajankohtaisista aiheista.", "järjestön työntekijät"),
    "tuki-purku": ("Jokaisen tehtävän jälkeen on mahdollisuus purkukeskusteluun.", "työpari"),
    "tuki-vertaistapaamiset": ("Kokemustoimijat tapaavat toisiaan säännöllisissä vertaistapaamisissa.", "koordinaattori"),
    "tuki-yhteiset-tapaamiset": ("Vapaaehtoisille järjestetään yhteisiä tapaamisia ja virkistystä.", "järjestön työntekijät"),
    "tuki-valmistautuminen": ("Tehtäviin valmistaudutaan yhdessä työntekijän kanssa.", "työntekijä"),
    "tuki-mentorointi": ("Uusilla toimijoilla on kokeneempi mentori ensimmäisen vuoden ajan.", "kokenut kokemustoimija"),
    "tuki-verkkoyhteiso": ("Toimijoilla on oma suljettu verkkoyhteisö kuulumisten vaihtoon.", "koordinaattori"),
    "tuki-yhteydenpito": ("Työntekijä pitää yhteyttä toimijoihin säännöllisesti.", "työntekijä"),
}

TRAINING_SENTENCES = [
    "Koulutus käsittelee oman kokemuksen jäsentämistä ja sen kertomista turvallisesti.",
    "Koulutuksessa harjoitellaan puheenvuoron pitämistä ja ryhmän ohjaamista.",
    "Koulutus koostuu lähijaksoista, verkkotehtävistä ja itsenäisestä työskentelystä.",
    "Koulutuksen jälkeen toimija voi osallistua tehtäviin oman jaksamisensa mukaan.",
    "Koulutukseen kuuluu tutustuminen järjestön toimintaan ja eettisiin periaatteisiin.",
]

PROVIDERS = ["own", "own", "own", "Salon kansalaisopisto", "Turun kristillinen opisto", "alueen kansanopisto"]

REQUIREMENTS = [
    "Osallistujalta edellytetään riittävää etäisyyttä omaan kokemukseen.",
    "Koulutukseen hakeudutaan haastattelun kautta.",
    "Vapaaehtoistoiminnan peruskurssi vaaditaan ennen koulutusta.",
]
