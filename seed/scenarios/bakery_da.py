"""Surdejsbageriet Ravn: a sourdough bakery with two shops in Aarhus (Trøjborg and Frederiksbjerg).

The strategy, written in Danish, turns social media into pre-orders and bread subscriptions:
inspire with everyday and weekend bread, show the craft behind it, and make ordering ahead easy.
"""

from __future__ import annotations

from decimal import Decimal

from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat as F
from domain.content.models import ContentStatus
from domain.kpi.models import Aggregation, Direction, Metric, Unit
from domain.strategy.models import TacticKind
from seed.scenario import AudienceSpec, ChannelSpec, ContentSpec, KpiSpec, Scenario, TacticSpec

TACTICS = (
    TacticSpec(
        key="inspiration",
        name="Inspiration: brød til hverdag og fest",
        kind=TacticKind.INSPIRE,
        description=(
            "Vi giver lyst og idéer: madpakker, smørrebrød, weekendmorgener og kagerne fra disken, fra "
            "kanelsnegle til kringle og lagkage. Indholdet viser brødet på bordet, ikke i disken."
        ),
        target_share=40,
    ),
    TacticSpec(
        key="haandvaerk",
        name="Bag om surdejen",
        kind=TacticKind.EDUCATE,
        description=(
            "Vi viser håndværket: 48 timers hævning, danske kornsorter, hvad prisen dækker, og hvordan et "
            "surdejsbrød holder sig en hel uge. Gennemsigtighed skaber tillid til prisen og til abonnementet."
        ),
        target_share=30,
    ),
    TacticSpec(
        key="bestil",
        name="Bestil i forvejen",
        kind=TacticKind.CONVERT,
        description=(
            "Vi gør det nemt at sikre sig brødet: forudbestilling på hjemmesiden, brødabonnement og "
            "bestillinger til møder og fester. Hvert opslag har ét tydeligt næste skridt, og færre udsolgte "
            "hylder betyder også mindre madspild."
        ),
        target_share=30,
    ),
)

AUDIENCES = (
    AudienceSpec(
        key="familier",
        name="Lokale børnefamilier",
        description=(
            "Forældre i Aarhus N og C, der handler på vej hjem fra institution og arbejde og vil have "
            "godt brød til madpakker og weekendmorgenmad uden at stå i kø."
        ),
        genders=("Kvinder", "Mænd"),
        age_min=30,
        age_max=49,
        interests=("Hverdagsmad", "Madpakker", "Weekendmorgenmad", "Familiefester", "Lokalmiljø"),
        family_statuses=("Gift/samlevende med hjemmeboende børn",),
        locations=("Trøjborg", "Aarhus N", "Risskov", "Frederiksbjerg", "Aarhus C"),
        behaviours=(
            "Følger lokale Facebook-grupper og læser dem om aftenen",
            "Klikker ind på forudbestilling op til fødselsdage og weekender",
            "Åbner fredagsbrevet fredag morgen",
        ),
        buying_process=BuyingProcess.CONSIDERED,
        buying_notes=(
            "Hverdagsbrødet er en vane, men weekender og fester planlægges: brunchkurve, kringler "
            "og lagkager bestilles typisk 3–7 dage før. Pris og afhentningstid vejer tungt."
        ),
    ),
    AudienceSpec(
        key="madglade",
        name="Unge madglade i byen",
        description=(
            "Studerende og unge voksne i midtbyen, der går op i god mad og kaffe, deler det de spiser "
            "og gerne betaler lidt ekstra for håndværk."
        ),
        genders=("Kvinder", "Mænd", "Andre"),
        age_min=22,
        age_max=34,
        interests=("Surdej", "Specialkaffe", "Naturvin", "Lokale råvarer", "Hjemmebagning"),
        family_statuses=("Single", "Par uden børn"),
        locations=("Aarhus C", "Frederiksbjerg", "Latinerkvarteret", "Trøjborg"),
        behaviours=(
            "Gemmer og deler reels med opskrifter",
            "Svarer på story-afstemninger",
            "Kommer spontant forbi butikken i weekenden",
        ),
        buying_process=BuyingProcess.IMPULSE,
        buying_notes=(
            "Køber på impuls, når noget ser lækkert ud i feedet; en story med dagens brød kl. 7 kan flytte "
            "weekendens køb. Abonnement skal kunne sættes på pause, ellers siger de nej."
        ),
    ),
    AudienceSpec(
        key="virksomheder",
        name="Virksomheder med morgenbrød",
        description=(
            "Office managers og HR-ansvarlige i mindre og mellemstore virksomheder i Aarhus, der bestiller "
            "morgenbrød til fredagsmøder, kurser og personalearrangementer."
        ),
        genders=("Kvinder", "Mænd"),
        age_min=28,
        age_max=60,
        interests=("Medarbejdertrivsel", "Mødeforplejning", "Lokale leverandører", "Bæredygtighed"),
        family_statuses=(),
        locations=("Aarhus C", "Aarhus Ø", "Skejby", "Aarhus N"),
        behaviours=(
            "Besøger siden »Morgenbrød til virksomheder« på hjemmesiden",
            "Henter menukortet til møder som PDF",
            "Skriver eller ringer for at få et tilbud",
        ),
        buying_process=BuyingProcess.LONG_RESEARCH,
        buying_notes=(
            "Indhenter tilbud fra flere bagere, beder om smagsprøver og får aftalen godkendt af ledelsen. "
            "Der går typisk 4–8 uger fra første besøg til første levering; aftalen løber derefter i måneder."
        ),
    ),
)

CHANNELS = (
    ChannelSpec(
        key="instagram",
        platform=Platform.INSTAGRAM,
        name="Instagram – Surdejsbageriet Ravn",
        handle="@surdejsbagerietravn",
        url="https://www.instagram.com/surdejsbagerietravn/",
        role=(
            "Vinduet ind til ovnen: reels fra bageriet, stories med dagens brød og udsolgt-beskeder, "
            "karruseller med opskrifter og tips. Link til forudbestilling i bio og stories."
        ),
        rationale=(
            "Her er de unge madglade, og her deler de det, de spiser. Visuelt stærkt brød og korte "
            "videoer fra bageriet rammer impulskøbet og bygger følgerskaren lokalt."
        ),
        audiences=("madglade", "familier"),
        impressions_per_post=2200,
    ),
    ChannelSpec(
        key="facebook",
        platform=Platform.FACEBOOK,
        name="Facebook – Surdejsbageriet Ravn",
        handle="surdejsbagerietravn",
        url="https://www.facebook.com/surdejsbagerietravn",
        role=(
            "Lokal tilstedeværelse: begivenheder i butikkerne, opslag om bestillinger til weekend og fest, "
            "deling i lokale grupper som »Trøjborg – det gode naboskab« og svar på beskeder om åbningstider."
        ),
        rationale=(
            "Børnefamilierne og de erhvervsansvarlige bruger Facebook til det lokale; begivenheder og "
            "gruppedeling giver rækkevidde i nærområdet, hvor kunderne faktisk kan hente brødet."
        ),
        audiences=("familier", "virksomheder"),
        impressions_per_post=1500,
    ),
    ChannelSpec(
        key="fredagsbrev",
        platform=Platform.NEWSLETTER,
        name="Ravns fredagsbrev",
        url="https://surdejsbagerietravn.dk/nyhedsbrev",
        role=(
            "Ugentligt nyhedsbrev fredag kl. 7: weekendens brød, en opskrift og et direkte link til "
            "forudbestilling og brødabonnement."
        ),
        rationale=(
            "Vores egen kanal uden algoritme: abonnenterne er de mest loyale kunder, og fredag morgen er "
            "lige før weekendens bestillingsfrist."
        ),
        audiences=("familier", "madglade", "virksomheder"),
        impressions_per_post=1100,
    ),
    ChannelSpec(
        key="tiktok",
        platform=Platform.TIKTOK,
        name="TikTok – Ravn Bageri",
        handle="@ravnbageri",
        url="https://www.tiktok.com/@ravnbageri",
        rationale=(
            "Kontoen er oprettet for at sikre navnet, men bruges ikke i denne strategi: rækkevidden ligger "
            "mest uden for Aarhus, hvor ingen kan hente brødet. Tiden bruges i stedet på Instagram-reels."
        ),
        chosen=False,
        impressions_per_post=400,
    ),
)

KPIS = (
    KpiSpec(
        key="forudbestillinger",
        name="Forudbestillinger via hjemmesiden pr. uge",
        metric=Metric.CONVERSIONS,
        unit=Unit.COUNT,
        baseline=Decimal("60"),
        target=Decimal("150"),
        aggregation=Aggregation.SUM,
        description=(
            "Antal gennemførte forudbestillinger (brød, kager og brunchkurve) pr. uge på "
            "surdejsbagerietravn.dk, talt i webshoppen. Fra 60 til 150 om ugen ved strategiens udløb."
        ),
        tactics=("bestil", "inspiration"),
        audiences=("familier", "madglade"),
        weekly_change=Decimal("1.9"),
        noise=Decimal("0.08"),
    ),
    KpiSpec(
        key="abonnementer",
        name="Aktive brødabonnementer",
        metric=Metric.CONVERSIONS,
        unit=Unit.COUNT,
        baseline=Decimal("85"),
        target=Decimal("200"),
        aggregation=Aggregation.LATEST,
        description=(
            "Antal aktive (ikke pauserede) brødabonnementer mandag morgen, fra abonnementssystemet. "
            "Fra 85 til 200 ved strategiens udløb."
        ),
        tactics=("bestil", "haandvaerk"),
        audiences=("familier", "madglade"),
        weekly_change=Decimal("2.5"),
        noise=Decimal("0.02"),
    ),
    KpiSpec(
        key="engagement",
        name="Engagementsrate på Instagram",
        metric=Metric.ENGAGEMENT_RATE,
        unit=Unit.PERCENT,
        baseline=Decimal("3.2"),
        target=Decimal("5.0"),
        aggregation=Aggregation.LATEST,
        description=(
            "Gennemsnitlig engagementsrate (likes, kommentarer, delinger og gemte pr. rækkevidde) for "
            "ugens opslag på Instagram, fra Meta Business Suite. Fra 3,2 % til 5,0 %."
        ),
        channel="instagram",
        tactics=("inspiration", "haandvaerk"),
        audiences=("madglade",),
        weekly_change=Decimal("0.04"),
        noise=Decimal("0.03"),
    ),
    KpiSpec(
        key="madspild",
        name="Andel usolgt brød ved lukketid",
        metric=Metric.CUSTOM,
        unit=Unit.PERCENT,
        baseline=Decimal("12"),
        target=Decimal("6"),
        direction=Direction.DECREASE,
        aggregation=Aggregation.LATEST,
        description=(
            "Usolgte brød ved lukketid i procent af ugens bagte brød, begge butikker, fra kassesystemet. "
            "Flere forudbestillinger gør bagningen forudsigelig: ned fra 12 % til 6 %."
        ),
        tactics=("bestil",),
        audiences=("familier", "virksomheder"),
        weekly_change=Decimal("-0.13"),
        noise=Decimal("0.05"),
    ),
    KpiSpec(
        key="firmabesog",
        name="Besøg på siden »Morgenbrød til virksomheder« pr. uge",
        metric=Metric.WEBSITE_VISITS,
        unit=Unit.COUNT,
        baseline=Decimal("40"),
        target=Decimal("160"),
        aggregation=Aggregation.SUM,
        description=(
            "Unikke besøg pr. uge på erhvervssiden, fra webstatistikken. Første skridt mod faste "
            "morgenbrødsaftaler: fra 40 til 160 besøg om ugen ved strategiens udløb."
        ),
        tactics=("bestil",),
        audiences=("virksomheder",),
        weekly_change=Decimal("0.4"),
        noise=Decimal("0.1"),
    ),
)


def _c(
    day: int | None,
    channel: str,
    fmt: F,
    tactic: str | None,
    kpis: tuple[str, ...],
    title: str,
    brief: str,
    audiences: tuple[str, ...] = (),
    status: ContentStatus | None = None,
) -> ContentSpec:
    return ContentSpec(
        title=title,
        format=fmt,
        channel=channel,
        brief=brief,
        tactic=tactic,
        kpis=kpis,
        audiences=audiences,
        day=day,
        status=status,
    )


ARCHIVED = ContentStatus.ARCHIVED
IG, FB, NL = "instagram", "facebook", "fredagsbrev"
INS, HV, BES = "inspiration", "haandvaerk", "bestil"
FORUD, ABO, ENG, SPILD = "forudbestillinger", "abonnementer", "engagement", "madspild"

# fmt: off
CONTENT = (
    # Published: the ten weeks since the strategy started.
    _c(-69, IG, F.REEL, INS, (ENG, FORUD), "Ugens brød: speltbrød med korn fra Mols",
       "Fra ovn til bord på 20 sekunder: speltbrødet skæres for og serveres med smør og flagsalt. "
       "Slut med »kan forudbestilles til lørdag«.", ("madglade",)),
    _c(-67, FB, F.POST, BES, (FORUD,), "Nyhed: forudbestil weekendbrødet på hjemmesiden",
       "Lancering af forudbestilling: bestil senest fredag kl. 12, hent lørdag i begge butikker. "
       "Deles i »Trøjborg – det gode naboskab«."),
    _c(-65, NL, F.NEWSLETTER, INS, (FORUD,), "Fredagsbrev: weekendens brød og ristet surdej med hvidløgssmør",
       "Hvidløgssmør på ristet surdej til brunchen, plus weekendens tre brød og link til bestilling."),
    _c(-62, IG, F.CAROUSEL, HV, (ENG, ABO), "Sådan holder dit surdejsbrød sig friskt i fem dage",
       "Fem slides: opbevaring i klæde, skæreflade nedad, fryseren og sådan genopliver du skorpen i ovnen."),
    _c(-60, IG, F.STORY, BES, (FORUD, SPILD), "Story-serie: »Udsolgt kl. 14« – bestil i forvejen næste gang",
       "Når hylderne er tomme, viser vi det med et smil og et swipe-link til forudbestilling."),
    _c(-58, NL, F.NEWSLETTER, BES, (ABO,), "Fredagsbrev: prøv brødabonnementet fire uger til halv pris",
       "Introtilbud på abonnementet med ét brød om ugen; forklar pause og opsigelse i to linjer."),
    _c(-56, IG, F.REEL, INS, (ENG,), "Tre smørrebrød på Ravns rugbrød på under et minut",
       "Æg og rejer, kartoffel og purløg, hønsesalat: hurtige klip ovenfra, opskrifterne i teksten."),
    _c(-54, FB, F.POST, INS, (FORUD,), "Madpakkeugen: rugbrødsmadder som børnene faktisk spiser",
       "Fem pålægsidéer testet af personalets børn, med billede af hver madpakke.", ("familier",)),
    _c(-52, NL, F.NEWSLETTER, BES, (FORUD,), "Fredagsbrev: forudbestil kanelsnegle til weekendens kaffebord",
       "Bestil snegle til kontoret eller familien; afhentning fra kl. 7 i begge butikker."),
    _c(-50, IG, F.REEL, INS, (ENG, FORUD), "Lørdagsbagning: kardemomme, kanel og 600 snegle",
       "Time-lapse af rulning og bagning af lørdagens 600 kanelsnegle, afsluttet med kø ved disken."),
    _c(-49, IG, F.REEL, HV, (ENG, ABO), "48 timer fra dej til disk: sådan bliver et Ravn-brød til",
       "Bageren fortæller over billeder af fodring, æltning, koldhævning og bagning, hvorfor det tager "
       "to døgn."),
    _c(-45, IG, F.LIVE, HV, (ENG,), "Live: bag surdejsbrød med bageren søndag aften",
       "Droppet: bageren kunne ikke være med søndag aften, og en live krævede mere forberedelse end den gav. "
       "Idéen lever videre som korte reels.", status=ARCHIVED),
    _c(-43, NL, F.NEWSLETTER, INS, (FORUD,), "Fredagsbrev: gammeldags æblekage med rugbrødskrummer",
       "Opskrift på æblekage med krummer af vores eget rugbrød; link til bestilling af rugbrød."),
    _c(-47, FB, F.POST, INS, (FORUD,), "Weekendtur: fem udflugter i Aarhus med madpakke fra Ravn",
       "Marselisborgskoven, Den Gamle By, Moesgaard Strand, Riis Skov og Naturcenter Vestereng, hver med en "
       "idé til madpakken.", ("familier",)),
    _c(-39, IG, F.REEL, INS, (ENG,), "Bagerens yndlingssandwich: surdej, bagte rødbeder og gedeost",
       "Bageren bygger sin egen frokost på en travl dag; kort, rå og uden voiceover."),
    _c(-37, NL, F.NEWSLETTER, BES, (ABO,),
       "Fredagsbrev: sådan virker brødabonnementet – og sådan holder du pause",
       "Svar på de fem spørgsmål vi oftest får om abonnementet, med direkte link til tilmelding."),
    _c(-35, IG, F.STORY, INS, (ENG,), "Story-format »Ud af ovnen«: dagens brød kl. 7",
       "Fast morgenstory med dagens brød og en afstemning om favoritten; gentages hver hverdag."),
    _c(-33, FB, F.POST, INS, (FORUD,), "Konkurrence: vind et års rugbrød – del og tag en ven",
       "Droppet: del-og-tag-konkurrencer er imod Facebooks regler og giver følgere uden for Aarhus.",
       status=ARCHIVED),
    _c(-30, IG, F.CAROUSEL, HV, (ENG, ABO), "Hvorfor koster et surdejsbrød 55 kr.? Regnestykket bag",
       "Mel, tid, løn, ovn og husleje fordelt på ét brød. Ærligt og uden undskyldninger."),
    _c(-28, NL, F.NEWSLETTER, INS, (FORUD,), "Fredagsbrev: personalets supper og brødet der passer til",
       "Tre supper fra personalets køkken og hvilket Ravn-brød der passer til hver."),
    _c(-25, IG, F.REEL, INS, (ENG,), "Kernerugbrød med ristede græskar- og solsikkekerner",
       "Det tunge kernerugbrød skæres over i slowmotion til dramatisk musik; grin med det."),
    _c(-24, FB, F.POST, BES, (FORUD,), "Boller til børnefødselsdagen: bestil senest torsdag",
       "Små boller med glasur og krymmel i bakker à 12; bestilling på hjemmesiden.", ("familier",)),
    _c(-21, IG, F.POST, INS, (ENG,), "Mød bagerne: Sofie, der tænder ovnene kl. 4",
       "Portræt og tre spørgsmål til morgenbageren på Trøjborg; første i en serie om holdet."),
    _c(-20, NL, F.NEWSLETTER, INS, (FORUD,), "Fredagsbrev: valnøddebrød og tre oste der passer til",
       "Weekendens anbefaling sammen med osteforhandleren på hjørnet; link til forudbestilling."),
    _c(-19, NL, F.NEWSLETTER, BES, (SPILD,), "Fredagsbrev: fast 20 % rabat på alt brød efter kl. 16",
       "Droppet: en fast aftenrabat lærer kunderne at vente og flytter salget uden at mindske spildet. "
       "Vi satser på forudbestilling og Too Good To Go.", status=ARCHIVED),
    _c(-16, FB, F.POST, BES, (FORUD,), "Forudbestil brød og flutes til weekendens middagsselskab",
       "Påmindelse med afhentningstider; deles i lokale grupper i Trøjborg og på Frederiksbjerg."),
    _c(-12, IG, F.REEL, INS, (ENG,), "Dagen derpå: sandwich på surdej med resterne fra søndagsstegen",
       "Rester af steg, rødløg og syltede agurker på ristet surdej; opskrift i teksten."),
    _c(-11, IG, F.CAROUSEL, HV, (ENG, ABO), "Spelt, rug og ølandshvede: kornet vi bager med",
       "Et slide pr. kornsort: hvor den dyrkes, hvordan den smager, og hvilket af vores brød den er i."),
    _c(-9, NL, F.NEWSLETTER, BES, (FORUD,), "Fredagsbrev: bestil lagkage og kagebakker til fødselsdagen",
       "Lagkager, kagebakker og kringler kan nu bestilles; oversigt over frister og afhentning."),
    _c(-7, IG, F.STORY, BES, (SPILD,), "Story kl. 16: dagens sidste brød på Too Good To Go",
       "Hverdagsstory fra den butik, der har flest brød tilbage, med link til Too Good To Go."),
    _c(-6, IG, F.CAROUSEL, INS, (ENG, FORUD), "Fra kagedisken: kanelsnegle, hindbærsnitter og spandauere",
       "Et slide pr. kage med en linje om opskriften; sidste slide peger på forudbestilling."),
    _c(-4, FB, F.POST, INS, (FORUD,), "Begivenhed: smagedag i begge butikker med kaffe og nybagt surdej",
       "Facebook-begivenhed for lørdagens smagedag; inviter følgere og del i lokale grupper.",
       ("familier",)),
    _c(-2, IG, F.REEL, HV, (ENG,), "40 kilo rugbrødsdej på én formiddag",
       "Fra dejtrug til form: hvordan vi fylder rugbrødsformene i hånden, og hvorfor ingen to brød er ens."),
    # Scheduled: the coming week.
    _c(1, IG, F.STORY, BES, (ABO, FORUD), "Story-afstemning: hvilken småkage skal med i abonnementet?",
       "Abonnenter får småkager hver fjerde uge; følgerne stemmer om hvilken, med link til tilmelding."),
    _c(3, NL, F.NEWSLETTER, BES, (FORUD,), "Fredagsbrev: bestil rundstykker og morgenbrød til søndag",
       "Frister, afhentningstider og de fem mest bestilte morgenbrød; én knap til bestilling."),
    _c(5, IG, F.REEL, INS, (ENG, FORUD), "Søndagskaffe: kaffebord med Ravns kringle",
       "Hyggeligt kaffebord med kringle og kanelsnegle; slut med at kringlen kan bestilles til søndag."),
    # Approved: the week after.
    _c(8, FB, F.POST, BES, (FORUD, SPILD), "Søndagsbrød: bestil senest fredag kl. 12 og hent søndag morgen",
       "Tydelig oversigt over frist og afhentningstider søndag i begge butikker."),
    _c(10, IG, F.CAROUSEL, INS, (ENG,), "Frokost derhjemme: fem ting du kan lave med rugbrød",
       "Rugbrødschips, sildemadder, rugbrødslagkage, rugbrødsdrys til skyr og ristet rugbrød til postej."),
    _c(12, NL, F.NEWSLETTER, BES, (ABO,), "Fredagsbrev: giv et brødabonnement i gave",
       "Gavekort på 4, 8 eller 12 ugers abonnement, leveret som et pænt kort i posten eller som pdf."),
    # In review: the third week.
    _c(15, IG, F.REEL, HV, (ENG,), "Tebirkes som mormor lavede dem – og hvorfor vi folder smørret i hånden",
       "Bageren forklarer den gamle opskrift, og hvad smørlagene gør for sprødheden."),
    _c(17, FB, F.POST, INS, (FORUD,), "Weekendmorgenmad: morgenbrød til hele familien uden at stå tidligt op",
       "Idéer til langsomme weekendmorgener; link til forudbestilling af rundstykker.", ("familier",)),
    _c(19, NL, F.NEWSLETTER, BES, (FORUD, SPILD),
       "Fredagsbrev: sidste frist for weekendens bestillinger",
       "Kort påmindelse med frister og en opdateret oversigt over, hvad der stadig kan bestilles."),
    # Drafts: the next two weeks.
    _c(24, IG, F.STORY, BES, (FORUD,), "Story-nedtælling: tre dage til bestillingsfristen",
       "Tre stories med nedtælling og swipe-link; sidste dag med billede af bestillingslisten."),
    _c(30, IG, F.REEL, INS, (ENG,), "Lørdag i bageriet: fra kl. 3 til sidste kunde",
       "Dagen i klip: ovnene tændes, køen vokser, og holdet skåler til sidst."),
    _c(31, FB, F.POST, INS, (FORUD,), "Hils på hele holdet i Ravn – og se vores åbningstider",
       "Hilsen med billede af hele holdet og en tydelig oversigt over åbningstider i begge butikker."),
    _c(22, IG, F.CAROUSEL, INS, (ENG,), "Intet spild: fem ting du kan lave med gammelt brød",
       "Brødsuppe, croutoner, panzanella, brødbudding og rasp; et slide pr. idé."),
    _c(27, NL, F.NEWSLETTER, BES, (FORUD,), "Fredagsbrev: bestil brunchkurv til søndagens gæster",
       "Brunchkurv i tre størrelser med rundstykker, surdejsbrød og tebirkes; frister og afhentning søndag."),
    # Ideas: further ahead.
    _c(41, IG, F.REEL, HV, (ENG, ABO), "Prøvebagning: vi fodrer surdejen og tester nye kornsorter",
       "Roligt indhold fra prøvebagningen; følgerne må stemme om, hvilket brød der kommer i disken."),
    _c(44, FB, F.POST, INS, (FORUD,), "Rugbrødsmadpakker til hverdagen: ti faste favoritter",
       "Genbrug opslaget fra Madpakkeugen med nye billeder og ti idéer.", ("familier",)),
    _c(46, NL, F.NEWSLETTER, BES, (ABO,), "Fredagsbrev: abonnenterne, der har været med fra start",
       "Tre abonnenter fortæller, hvad brødet betyder i hverdagen; slut med tilbud og link til tilmelding."),
    _c(50, IG, F.POST, BES, (FORUD, SPILD), "Weekendboller: forudbestillingen åbner – med tre nye fyld",
       "Præsentation af de nye fyldte boller og åbning af forudbestilling, så vi kan bage efter ordrerne."),
    # The one unmapped idea.
    _c(None, IG, F.REEL, None, (), "ASMR: lyden af en sprød skorpe",
       "Idé fra en medarbejder: en kort reel, hvor man kun hører kniven gå gennem et nybagt brød. "
       "Endnu ikke koblet til en taktik eller en KPI."),
)
# fmt: on

SCENARIO = Scenario(
    key="bakery-da",
    summary="Surdejsbageriet Ravn, Aarhus: flere forudbestillinger og brødabonnementer via SoMe",
    language="da",
    organization="Surdejsbageriet Ravn ApS",
    workspace="Surdejsbageriet Ravn",
    strategy="SoMe-strategi: flere bestiller i forvejen",
    purpose=(
        "Vi vil gerne hjælpe kunden med at få godt surdejsbrød på bordet hver uge – uden kø, udsolgte hylder "
        "eller madspild – ved at gøre det nemt at se, hvad vi bager, og at bestille i forvejen."
    ),
    tactics=TACTICS,
    audiences=AUDIENCES,
    channels=CHANNELS,
    kpis=KPIS,
    content=CONTENT,
    history_weeks=10,
    weeks_ahead=40,
    gaps=(
        "One unmapped idea: »ASMR: lyden af en sprød skorpe« has no tactic, no KPI and no date.",
        "Tactic »Bag om surdejen« (EDUCATE) aims at 30 % of the content but gets about 15 % of mapped items.",
        "KPI »Besøg på siden Morgenbrød til virksomheder« is linked to »Bestil i forvejen« but no content "
        "lists it; it is also the KPI clearly behind its target.",
    ),
)
