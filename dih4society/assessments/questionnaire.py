"""The DMA questionnaire as data: two variants (SME, public sector), versioned.

Module 2 of the JRC Digital Maturity Assessment (six dimensions, eleven scored questions
per variant), written in the platform's own words, English and Romanian side by side.
A later official revision is added as a new version; a stored assessment names the
version it was answered under, so old results keep their meaning.

Answer shapes (what `answers` holds per question code):

- ``multi`` (MS): a list of ticked option codes; ``none`` ("none of these") and a
  question's negative option exclude every other tick. An empty list is unanswered.
- ``invest`` (INV) and ``adoption`` (planned / implemented, P9): ``{row: value}`` with
  value ``no`` / ``planned`` / a done value (``invested`` or ``implemented``).
- ``level`` (S05): ``{row: 0..5}``.
- ``ypn``: ``{row: "no" | "partial" | "yes"}``.

Which variant: the organisation's kind decides (see `variant_for_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..organisations.models import OrgKind

SME, PSO = "sme", "pso"
VARIANTS = (SME, PSO)
CURRENT_VERSION = {SME: "2024.1", PSO: "2024.1"}

MULTI, INVEST, ADOPTION, LEVEL, YPN = "multi", "invest", "adoption", "level", "ypn"
NONE_OPTION = "none"


@dataclass(frozen=True)
class Text:
    """A text in English and Romanian."""

    en: str
    ro: str

    def get(self, locale: str | None) -> str:
        return self.ro if (locale or "").startswith("ro") else self.en


@dataclass(frozen=True)
class Option:
    code: str
    text: Text


@dataclass(frozen=True)
class Question:
    code: str
    dimension: str
    kind: str
    text: Text
    options: tuple[Option, ...]  # options (multi) or rows (the other kinds)
    negative: str | None = None  # a multi option that means "none of this" and scores 0

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Dimension:
    code: str
    name: Text
    export_name: str  # the name in the EU results export


@dataclass(frozen=True)
class Questionnaire:
    variant: str
    version: str
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    by_code: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_code", {q.code: q for q in self.questions})

    def questions_of(self, dimension: str) -> list[Question]:
        return [q for q in self.questions if q.dimension == dimension]


def T(en: str, ro: str) -> Text:  # noqa: N802 - reads like data
    return Text(en, ro)


def _opts(*pairs: tuple[str, str, str]) -> tuple[Option, ...]:
    return tuple(Option(code, Text(en, ro)) for code, en, ro in pairs)


#: Choices per row of the row kinds, with their labels.
ROW_CHOICES = {
    INVEST: (("invested", T("Invested already", "Am investit deja")),
             ("planned", T("Planned only", "Doar planificat")),
             ("no", T("Neither", "Niciuna"))),
    ADOPTION: (("implemented", T("Implemented", "Implementat")),
               ("planned", T("Planned", "Planificat")),
               ("no", T("Neither", "Niciuna"))),
    LEVEL: tuple((str(n), label) for n, label in enumerate((
        T("0 Not used", "0 Nu folosim"), T("1 Considering", "1 Analizăm"),
        T("2 Prototyping", "2 Prototip"), T("3 Testing", "3 Testăm"),
        T("4 Implementing", "4 Implementăm"), T("5 In operation", "5 În funcțiune")))),
    YPN: (("no", T("No", "Nu")), ("partial", T("Partially", "Parțial")), ("yes", T("Yes", "Da"))),
}

NONE_TEXT = T("None of these", "Niciuna dintre acestea")

# --- shared option lists ---------------------------------------------------------------------

UPSKILL = _opts(
    ("gap", "We check our staff's digital skill gaps", "Verificăm lipsurile de competențe digitale ale personalului"),
    ("plan", "We have a training plan for digital skills", "Avem un plan de instruire pentru competențe digitale"),
    ("short", "Short courses, tutorials, e-learning", "Cursuri scurte, tutoriale, e-learning"),
    ("doing", "Learning by doing with experienced colleagues", "Învățare practică alături de colegi cu experiență"),
    ("trainee", "Traineeships and secondments", "Stagii și detașări"),
    ("paid", "Paid training by external providers", "Cursuri plătite la furnizori externi"),
    ("subsid", "Subsidised training schemes", "Programe de instruire subvenționate"),
)
ENGAGE = (
    ("aware", "Staff are made aware of new digital technology", "Personalul este informat despre tehnologiile digitale noi"),
    ("open", "Digitalisation plans are shared openly", "Planurile de digitalizare sunt comunicate deschis"),
    ("accept", "We follow how staff accept new tools", "Urmărim cum acceptă personalul instrumentele noi"),
    ("design", "Staff take part in designing digital changes", "Personalul participă la proiectarea schimbărilor digitale"),
    ("tools", "Staff get autonomy and the digital tools they need", "Personalul are autonomie și instrumentele digitale necesare"),
    ("redesign", "Jobs are redesigned using staff feedback", "Posturile sunt reproiectate pe baza opiniilor personalului"),
    ("flex", "Flexible and remote working is possible", "Se poate lucra flexibil și la distanță"),
    ("support", "A support team helps staff with digital tools", "O echipă de suport ajută personalul cu instrumentele digitale"),
)
SECURITY_TAIL = (
    ("trained", "Staff are trained in cybersecurity and data protection", "Personalul este instruit în securitate cibernetică și protecția datelor"),
    ("monitor", "Threats are monitored and assessed", "Amenințările sunt monitorizate și evaluate"),
    ("backup", "Data are backed up off site", "Datele au copii de rezervă în altă locație"),
    ("continuity", "A business continuity plan covers IT failures", "Un plan de continuitate acoperă căderile IT"),
)
GREEN_CHOICES = _opts(
    ("strategy", "Environmental goals are in our digital strategy", "Obiectivele de mediu fac parte din strategia digitală"),
    ("ems", "Environmental management system or certificate", "Sistem de management de mediu sau certificat"),
    ("procure", "Environmental criteria in ICT procurement", "Criterii de mediu la achiziția de echipamente IT"),
    ("energy", "Energy use of ICT is tracked", "Consumul de energie al IT este urmărit"),
    ("recycle", "Old equipment is reused or recycled", "Echipamentele vechi sunt refolosite sau reciclate"),
)

# --- dimensions --------------------------------------------------------------------------------

SME_DIMENSIONS = (
    Dimension("D1", T("Digital business strategy", "Strategia digitală de afaceri"), "Digital Business Strategy"),
    Dimension("D2", T("Digital readiness", "Pregătirea digitală"), "Digital Readiness"),
    Dimension("D3", T("Human-centric digitalisation", "Digitalizarea centrată pe oameni"), "Human-Centric Digitalisation"),
    Dimension("D4", T("Data management and connectedness", "Gestionarea și conectarea datelor"), "Data Governance"),
    Dimension("D5", T("Automation and artificial intelligence", "Automatizare și inteligență artificială"),
              "Automation & Artificial Intelligence"),
    Dimension("D6", T("Green digitalisation", "Digitalizare verde"), "Green Digitalisation"),
)
PSO_DIMENSIONS = (
    Dimension("D1", T("Digital strategy and investments", "Strategia și investițiile digitale"),
              "Digital Strategy and Investments"),
    Dimension("D2", T("Digital readiness", "Pregătirea digitală"), "Digital Readiness"),
    Dimension("D3", T("Human-centric digitalisation", "Digitalizarea centrată pe oameni"), "Human-Centric Digitalisation"),
    Dimension("D4", T("Data management and security", "Gestionarea și securitatea datelor"),
              "Data Management and Security"),
    Dimension("D5", T("Interoperability", "Interoperabilitate"), "Interoperability"),
    Dimension("D6", T("Green digitalisation", "Digitalizare verde"), "Green Digitalisation"),
)

# --- SME questions --------------------------------------------------------------------------

SME_QUESTIONS = (
    Question("S1", "D1", INVEST, T("In which areas has your business invested in digital technology, or plans to?",
                                   "În ce domenii a investit firma în tehnologie digitală sau plănuiește să investească?"), _opts(
        ("design", "Product or service design, research and development", "Proiectarea produselor sau serviciilor, cercetare-dezvoltare"),
        ("projects", "Project management", "Managementul proiectelor"),
        ("operations", "Operations and production", "Operațiuni și producție"),
        ("chain", "Working with partners along the value chain", "Colaborarea cu partenerii din lanțul valoric"),
        ("logistics", "Inbound logistics and warehouse", "Logistica de aprovizionare și depozitul"),
        ("marketing", "Marketing, sales and customer service", "Marketing, vânzări și relația cu clienții"),
        ("delivery", "Delivery, e-invoicing and payments", "Livrare, facturare electronică și plăți"),
        ("admin", "Administration and human resources", "Administrație și resurse umane"),
        ("purchasing", "Purchasing", "Achiziții"),
        ("security", "Cybersecurity and GDPR compliance", "Securitate cibernetică și conformitate GDPR"))),
    Question("S2", "D1", MULTI, T("Which of these show that your business is ready to digitalise?",
                                  "Care dintre acestea arată că firma este pregătită pentru digitalizare?"), _opts(
        ("needs", "Our digital needs match our business goals", "Nevoile digitale corespund obiectivelor firmei"),
        ("funding", "Funding is secured for at least a year", "Finanțarea este asigurată pentru cel puțin un an"),
        ("infra", "Our IT infrastructure can support it", "Infrastructura IT o poate susține"),
        ("specialists", "We have ICT specialists, in house or contracted", "Avem specialiști IT, angajați sau contractați"),
        ("management", "Management is ready to lead the change", "Conducerea este pregătită să conducă schimbarea"),
        ("departments", "Departments are ready to adapt", "Departamentele sunt pregătite să se adapteze"),
        ("processes", "Our processes can be adapted", "Procesele noastre pot fi adaptate"),
        ("servitise", "We could offer our products as services", "Ne-am putea oferi produsele ca servicii"),
        ("satisfaction", "We track customer satisfaction online", "Urmărim online satisfacția clienților"),
        ("risks", "We weigh the risks of digital projects", "Cântărim riscurile proiectelor digitale"))),
    Question("S3", "D2", MULTI, T("Which basic digital technologies does your business use?",
                                  "Ce tehnologii digitale de bază folosește firma?"), _opts(
        ("cloud", "Fast internet and cloud services", "Internet rapid și servicii cloud"),
        ("website", "A website", "Un site web"),
        ("forms", "Web forms and blogs", "Formulare web și bloguri"),
        ("chat", "Live chat, social media and chatbots", "Chat, rețele sociale și chatboți"),
        ("ecommerce", "E-commerce", "Comerț electronic"),
        ("emarketing", "E-marketing", "Marketing online"),
        ("egov", "E-government services", "Servicii de e-guvernare"),
        ("remote", "Remote collaboration tools", "Instrumente de colaborare la distanță"),
        ("intranet", "An intranet", "Un intranet"),
        ("erp", "Business systems such as ERP or CRM", "Sisteme de gestiune precum ERP sau CRM"))),
    Question("S4", "D2", LEVEL, T("How far has your business gone with these advanced technologies?",
                                  "Cât de departe a mers firma cu aceste tehnologii avansate?"), _opts(
        ("twins", "Simulation and digital twins", "Simulare și gemeni digitali"),
        ("xr", "Virtual and augmented reality", "Realitate virtuală și augmentată"),
        ("cad", "Computer-aided design and manufacturing (CAD/CAM)", "Proiectare și fabricație asistate de calculator (CAD/CAM)"),
        ("mes", "Manufacturing execution systems", "Sisteme de execuție a producției (MES)"),
        ("iot", "Internet of Things, industrial IoT", "Internetul lucrurilor, IoT industrial"),
        ("blockchain", "Blockchain", "Blockchain"),
        ("print3d", "3D printing", "Imprimare 3D"))),
    Question("S5", "D3", MULTI, T("How does your business up-skill and re-skill its staff for digitalisation?",
                                  "Cum își perfecționează și recalifică firma personalul pentru digitalizare?"), UPSKILL),
    Question("S6", "D3", MULTI, T("How does your business involve and support its staff in digitalisation?",
                                  "Cum implică și sprijină firma personalul în digitalizare?"), _opts(*ENGAGE)),
    Question("S7", "D4", MULTI, T("How does your business handle its data?", "Cum își gestionează firma datele?"), _opts(
        ("policy", "A data management policy", "O politică de gestionare a datelor"),
        ("nodigital", "We do not collect data digitally (this excludes the other answers)",
         "Nu colectăm date în format digital (exclude celelalte răspunsuri)"),
        ("stored", "Data are stored digitally", "Datele sunt păstrate în format digital"),
        ("integrated", "Data are integrated across systems", "Datele sunt integrate între sisteme"),
        ("realtime", "Data are available in real time", "Datele sunt disponibile în timp real"),
        ("analysed", "Data are analysed to make decisions", "Datele sunt analizate pentru decizii"),
        ("external", "External data sources are added", "Sunt adăugate surse de date externe"),
        ("dashboards", "Staff use self-service dashboards", "Personalul folosește tablouri de bord în regim propriu")),
        negative="nodigital"),
    Question("S8", "D4", MULTI, T("How does your business keep its data secure?", "Cum își protejează firma datele?"), _opts(
        ("policy", "A data security policy", "O politică de securitate a datelor"),
        ("clients", "Client data are protected", "Datele clienților sunt protejate"),
        *SECURITY_TAIL)),
    Question("S9", "D5", LEVEL, T("How far has your business gone with automation and artificial intelligence?",
                                  "Cât de departe a mers firma cu automatizarea și inteligența artificială?"), _opts(
        ("nlp", "Language processing and chatbots", "Procesarea limbajului și chatboți"),
        ("vision", "Computer vision", "Viziune artificială"),
        ("audio", "Speech and audio processing", "Procesarea vorbirii și a sunetului"),
        ("robotics", "Robotics", "Robotică"),
        ("bi", "Business intelligence and decision support", "Analiză de afaceri și sprijin decizional"))),
    Question("S10", "D6", MULTI, T("Where does your business use digital technology for the environment?",
                                   "Unde folosește firma tehnologia digitală în folosul mediului?"), _opts(
        ("model", "Business model", "Modelul de afaceri"),
        ("service", "Services offered", "Serviciile oferite"),
        ("products", "Products", "Produsele"),
        ("production", "Production methods", "Metodele de producție"),
        ("emissions", "Emissions and waste", "Emisii și deșeuri"),
        ("energy", "Own renewable energy", "Energie regenerabilă proprie"),
        ("materials", "Raw materials", "Materii prime"),
        ("transport", "Transport and packaging", "Transport și ambalare"),
        ("apps", "Apps that change consumers' behaviour", "Aplicații care schimbă comportamentul consumatorilor"),
        ("paperless", "Paperless administration", "Administrație fără hârtie"))),
    Question("S11", "D6", YPN, T("Does your business take the environment into account in its digital choices?",
                                 "Ține cont firma de mediu în alegerile sale digitale?"), GREEN_CHOICES),
)

# --- public-sector questions ------------------------------------------------------------------

PSO_QUESTIONS = (
    Question("P1", "D1", MULTI, T("Which of these show that your organisation is ready to digitalise?",
                                  "Care dintre acestea arată că instituția este pregătită pentru digitalizare?"), _opts(
        ("needs", "Our digital needs match our policy goals", "Nevoile digitale corespund obiectivelor de politică publică"),
        ("funding", "Funding is secured for at least two years", "Finanțarea este asigurată pentru cel puțin doi ani"),
        ("infra", "Our ICT infrastructure can support it", "Infrastructura IT o poate susține"),
        ("specialists", "We have ICT specialists", "Avem specialiști IT"),
        ("political", "There is political commitment", "Există angajament politic"),
        ("units", "Units and staff are ready to adapt", "Compartimentele și personalul sunt pregătite să se adapteze"),
        ("processes", "Our processes can be adapted", "Procesele noastre pot fi adaptate"),
        ("online", "Offline services are ready to go online", "Serviciile oferite la ghișeu pot trece online"),
        ("satisfaction", "We track user satisfaction", "Urmărim satisfacția utilizatorilor"),
        ("risks", "We weigh the risks of digital projects", "Cântărim riscurile proiectelor digitale"))),
    Question("P2", "D1", INVEST, T("In which areas has your organisation invested in digital technology, or plans to?",
                                   "În ce domenii a investit instituția în tehnologie digitală sau plănuiește să investească?"), _opts(
        ("internal", "Internal operations", "Activitatea internă"),
        ("external", "External operations and public participation", "Relația cu exteriorul și participarea publică"),
        ("policy", "The policy cycle", "Ciclul politicilor publice"),
        ("services", "Public services", "Serviciile publice"),
        ("finance", "Financial administration", "Administrarea financiară"),
        ("hr", "Human resources", "Resurse umane"),
        ("procurement", "Procurement", "Achiziții publice"),
        ("projects", "Project management", "Managementul proiectelor"))),
    Question("P3", "D2", MULTI, T("Which basic digital technologies does your organisation use?",
                                  "Ce tehnologii digitale de bază folosește instituția?"), _opts(
        ("cloud", "Fast internet and cloud services", "Internet rapid și servicii cloud"),
        ("website", "A website", "Un site web"),
        ("forms", "Web forms and forums", "Formulare web și forumuri"),
        ("chat", "Live chat, social media and chatbots", "Chat, rețele sociale și chatboți"),
        ("remote", "Remote collaboration tools", "Instrumente de colaborare la distanță"),
        ("intranet", "An intranet", "Un intranet"),
        ("systems", "Information systems", "Sisteme informatice"),
        ("public", "Tools for digital public services", "Instrumente pentru servicii publice digitale"),
        ("eproc", "eProcurement", "Achiziții electronice"))),
    Question("P4", "D2", LEVEL, T("How far has your organisation gone with these advanced technologies?",
                                  "Cât de departe a mers instituția cu aceste tehnologii avansate?"), _opts(
        ("ai", "Artificial intelligence", "Inteligență artificială"),
        ("g5", "5G and software-defined networks", "5G și rețele definite prin software"),
        ("hpc", "High-performance, cloud and edge computing", "Calcul de înaltă performanță, cloud și edge"),
        ("dlt", "Blockchain and distributed ledgers", "Blockchain și registre distribuite"),
        ("eid", "Digital identity and security", "Identitate digitală și securitate"),
        ("xr", "Augmented and virtual reality", "Realitate augmentată și virtuală"),
        ("iot", "Internet of Things", "Internetul lucrurilor"),
        ("api", "APIs and microservices", "API-uri și microservicii"))),
    Question("P5", "D3", MULTI, T("How does your organisation up-skill and re-skill its staff for digitalisation?",
                                  "Cum își perfecționează și recalifică instituția personalul pentru digitalizare?"), UPSKILL),
    Question("P6", "D3", MULTI, T("How does your organisation involve its staff and its users in digitalisation?",
                                  "Cum implică instituția personalul și utilizatorii în digitalizare?"), _opts(
        *ENGAGE,
        ("usersupport", "Users get help with digital services", "Utilizatorii primesc ajutor pentru serviciile digitale"),
        ("userfeedback", "Users' feedback is used to improve services", "Opiniile utilizatorilor sunt folosite pentru îmbunătățirea serviciilor"))),
    Question("P7", "D4", MULTI, T("How does your organisation handle its data?", "Cum își gestionează instituția datele?"), _opts(
        ("policy", "A data management policy", "O politică de gestionare a datelor"),
        ("nopaper", "No paper forms", "Fără formulare pe hârtie"),
        ("digitalonly", "Data are stored only digitally", "Datele sunt păstrate doar în format digital"),
        ("integrated", "Data are integrated across systems", "Datele sunt integrate între sisteme"),
        ("realtime", "Data are available in real time", "Datele sunt disponibile în timp real"),
        ("analysed", "Data are analysed to make decisions", "Datele sunt analizate pentru decizii"),
        ("thirdparty", "Data from third parties are used", "Sunt folosite date de la terți"),
        ("dashboards", "Staff use dashboards", "Personalul folosește tablouri de bord"),
        ("opendata", "An open-data policy", "O politică de date deschise"))),
    Question("P8", "D4", MULTI, T("How does your organisation keep its data secure?",
                                  "Cum își protejează instituția datele?"), _opts(
        ("policy", "A data security policy", "O politică de securitate a datelor"),
        ("cyberplan", "Plans for responding to cyberattacks", "Planuri de răspuns la atacuri cibernetice"),
        *SECURITY_TAIL)),
    Question("P9", "D5", ADOPTION, T("How does your organisation share data and services with other public bodies?",
                                     "Cum partajează instituția date și servicii cu alte instituții publice?"), _opts(
        ("opendata", "Open data", "Date deschise"),
        ("opensource", "Open-source software", "Software cu sursă deschisă"),
        ("openspecs", "Open specifications", "Specificații deschise"),
        ("interfaces", "Service interfaces for others", "Interfețe de servicii pentru alte instituții"),
        ("reuse", "Reuse of others' solutions", "Reutilizarea soluțiilor altor instituții"),
        ("neutral", "No technology imposed on users", "Nicio tehnologie impusă utilizatorilor"),
        ("portability", "Data portability", "Portabilitatea datelor"),
        ("channels", "Users choose the channel", "Utilizatorii aleg canalul"),
        ("single", "A single contact point", "Un punct unic de contact"),
        ("onceonly", "Once-only: data are asked for once", "O singură dată: datele se cer o singură dată"),
        ("accessible", "Accessible services", "Servicii accesibile"),
        ("multilingual", "Multilingual services", "Servicii în mai multe limbi"),
        ("secure", "Secure data exchange", "Schimb securizat de date"),
        ("digitalfirst", "Digital first", "Întâi digital"),
        ("durable", "Durable file formats", "Formate de fișiere durabile"),
        ("review", "Reviews of user needs, costs and benefits", "Analize ale nevoilor utilizatorilor, costurilor și beneficiilor"))),
    Question("P10", "D6", MULTI, T("Where does your organisation use digital technology for the environment?",
                                   "Unde folosește instituția tehnologia digitală în folosul mediului?"), _opts(
        ("model", "How the organisation works", "Modul de organizare"),
        ("services", "Paperless public services", "Servicii publice fără hârtie"),
        ("procurement", "Green procurement", "Achiziții verzi"),
        ("emissions", "Emissions and waste", "Emisii și deșeuri"),
        ("energy", "Own renewable energy", "Energie regenerabilă proprie"),
        ("use", "Energy use", "Consumul de energie"),
        ("transport", "Transport costs", "Costurile de transport"),
        ("apps", "Apps that change citizens' behaviour", "Aplicații care schimbă comportamentul cetățenilor"),
        ("paperless", "Paperless administration", "Administrație fără hârtie"))),
    Question("P11", "D6", YPN, T("Does your organisation take the environment into account in its digital choices?",
                                 "Ține cont instituția de mediu în alegerile sale digitale?"), GREEN_CHOICES),
)

QUESTIONNAIRES: dict[tuple[str, str], Questionnaire] = {
    (SME, "2024.1"): Questionnaire(SME, "2024.1", SME_DIMENSIONS, SME_QUESTIONS),
    (PSO, "2024.1"): Questionnaire(PSO, "2024.1", PSO_DIMENSIONS, PSO_QUESTIONS),
}

VARIANT_LABELS = {SME: T("Enterprises (SMEs and small mid-caps)", "Întreprinderi (IMM-uri și întreprinderi mici cu capitalizare medie)"),
                  PSO: T("Public-sector organisations", "Organizații din sectorul public")}


def get(variant: str, version: str) -> Questionnaire:
    """The questionnaire of a variant and version (KeyError if there is none)."""
    return QUESTIONNAIRES[(variant, version)]


def current(variant: str) -> Questionnaire:
    return get(variant, CURRENT_VERSION[variant])


def variant_for_kind(kind: OrgKind) -> str:
    """The variant an organisation takes, decided by its registered kind.

    Public institutions take the public-sector variant. SMEs and small mid-caps take the
    SME variant. Health-care organisations take the SME variant: the platform registers
    them as undertakings (economic operators that receive state aid). A public hospital
    acting as a public body is registered as a public institution and so takes the
    public-sector variant."""
    return PSO if kind is OrgKind.PUBLIC_INSTITUTION else SME
