"""The Romanian text of the demo catalogue: partner names, services and the rubric.

`demo.seed_base` loads the English texts; `add_romanian` fills the Romanian columns
that are still empty, so an admin's later edits are never overwritten."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..reviews.models import RubricCriterion
from .models import Partner, Service

PARTNERS_RO = {
    "CLUJIT": "Clusterul IT Cluj",
    "UTCN": "Universitatea Tehnică din Cluj-Napoca",
    "UO": "Universitatea din Oradea",
    "CCIBN": "Camera de Comerț și Industrie Bistrița-Năsăud",
}

SERVICES_RO = {
    "TBI-ROB-01": ("Testarea unei celule cu robot colaborativ",
                   "Două săptămâni de teste cu o celulă cu cobot, pe piesele dumneavoastră, în laboratorul "
                   "de robotică al UTCN."),
    "TBI-CYB-01": ("Test de penetrare și audit de securitate",
                   "Test de penetrare extern și intern, cu un plan de remediere."),
    "TBI-AI-01": ("Demonstrator de inteligență artificială pe datele dumneavoastră",
                  "O echipă de știința datelor construiește și evaluează un prototip de învățare automată."),
    "TBI-IOT-01": ("Pilot cu senzori IoT industriali",
                   "Pilot de echipare cu senzori pentru o linie de producție sau o secție de spital, "
                   "cu tablouri de bord."),
    "SKL-CYB-01": ("Curs de conștientizare a securității cibernetice",
                   "Curs de două zile pentru cel mult 20 de angajați: phishing, parole, raportarea incidentelor."),
    "SKL-DIG-01": ("Competențe digitale pentru funcționari publici",
                   "E-guvernare, protecția datelor și fluxuri de documente digitale."),
    "SKL-ROB-01": ("Curs de programare a roboților",
                   "Curs practic de cinci zile de programare a roboților industriali."),
    "SKL-DATA-01": ("Alfabetizare în domeniul datelor pentru profesioniștii din sănătate",
                    "Lucrul cu date clinice, tablouri de bord și protecția vieții private."),
    "INV-PLAN-01": ("Plan de investiții digitale",
                    "Un plan de investiții digitale cu costuri estimate, pregătit pentru o bancă sau un "
                    "apel de finanțare."),
    "INV-FUND-01": ("Pregătire pentru apeluri de finanțare",
                    "Îndrumare pentru o cerere într-un apel de finanțare național sau european."),
    "INV-PITCH-01": ("Întâlniri cu investitori",
                     "Pregătirea prezentării pentru investitori și punerea în legătură cu aceștia."),
    "NET-MATCH-01": ("Găsirea de parteneri tehnologici",
                     "Punerea în legătură cu furnizori de tehnologie și grupuri de cercetare."),
    "NET-EVT-01": ("Zi demonstrativă Industria 4.0",
                   "O zi de demonstrații pe viu și întâlniri B2B."),
    "NET-EDIH-01": ("Introducere în rețeaua transfrontalieră EDIH",
                    "Acces la serviciile altor Huburi Europene de Inovare Digitală."),
}

RUBRIC_RO = {
    "relevance": "Relevanța pentru transformarea digitală a organizației",
    "readiness": "Pregătirea pentru folosirea serviciului (oameni, date, timp)",
    "impact": "Impactul așteptat asupra proceselor, produselor sau serviciilor",
    "region": "Beneficiul pentru regiune și pentru domeniile prioritare ale hubului",
}


def add_romanian() -> None:
    """Fill the empty Romanian columns of the demo partners, services and criteria."""
    for partner in db.session.scalars(sa.select(Partner).where(Partner.code.in_(PARTNERS_RO))):
        partner.name_ro = partner.name_ro or PARTNERS_RO[partner.code]
    for service in db.session.scalars(sa.select(Service).where(Service.code.in_(SERVICES_RO))):
        name, description = SERVICES_RO[service.code]
        service.name_ro = service.name_ro or name
        service.description_ro = service.description_ro or description
    for criterion in db.session.scalars(sa.select(RubricCriterion).where(RubricCriterion.code.in_(RUBRIC_RO))):
        criterion.label_ro = criterion.label_ro or RUBRIC_RO[criterion.code]
    db.session.flush()
