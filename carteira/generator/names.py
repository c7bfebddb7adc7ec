"""Portuguese vocabulary for names, places and free texts.

Kept Latin-1 encodable (erp writes ISO-8859-1): accents, cedillas, apostrophes and
double quotes, but no typographic quotes or symbols outside Latin-1. Some texts
carry ``;`` and line breaks on purpose: the contract says quoted fields contain them.
"""

from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = (
    "João",
    "José",
    "Antônio",
    "Francisco",
    "Luís",
    "Sérgio",
    "Márcio",
    "Inácio",
    "Otávio",
    "Flávio",
    "Caio",
    "Rafael",
    "Gonçalo",
    "Ígor",
    "Vinícius",
    "Maria",
    "Ana",
    "Conceição",
    "Lúcia",
    "Márcia",
    "Fátima",
    "Inês",
    "Cecília",
    "Júlia",
    "Letícia",
    "Patrícia",
    "Débora",
    "Aurélia",
    "Bárbara",
    "Joana",
    "Tânia",
    "Cláudia",
    "Mônica",
    "Sônia",
    "Vitória",
    "Luíza",
    "Beatriz",
    "Paulo",
    "André",
    "Tomás",
)
LAST_NAMES = (
    "Silva",
    "Santos",
    "Gonçalves",
    "Araújo",
    "Conceição",
    "Magalhães",
    "Brandão",
    "D'Ávila",
    "Pereira",
    "Oliveira",
    "Simões",
    "Assunção",
    "Ribeiro",
    "Falcão",
    "Guimarães",
    "Lima",
    "Carvalho",
    "Sá",
    "Galvão",
    "Monção",
    "Lopes",
    "Nóbrega",
    "Peçanha",
    "Fontes",
    "Vieira",
    "Rocha",
    "Camões",
    "Leitão",
    "Damião",
    "Bragança",
)
NICKNAMES = ("Cida", "Zé", "Tião", "Nena", "Juca", "Bia")
COMPANY_WORDS = (
    "Comércio",
    "Indústria",
    "Móveis",
    "Serviços",
    "Distribuidora",
    "Construções",
    "Ótica",
    "Padaria",
    "Açougue",
    "Engenharia",
)
COMPANY_SUFFIX = ("Ltda.", "S.A.", "ME", "EIRELI", "& Cia.")

# (city, area code)
CITIES = (
    ("São Paulo", "11"),
    ("Jundiaí", "11"),
    ("Ribeirão Preto", "16"),
    ("Florianópolis", "48"),
    ("Belo Horizonte", "31"),
    ("Niterói", "21"),
    ("Rio de Janeiro", "21"),
    ("Maringá", "44"),
    ("Goiânia", "62"),
    ("Uberlândia", "34"),
    ("Vitória", "27"),
    ("São José dos Campos", "12"),
)

NOTE_BODIES = (
    "Cliente prefere contato à tarde.",
    "Atenção: pagamento só via PIX; não aceitar cheque.",
    "Indicado pela Sra. Conceição (vizinha).\nLigar após as 18h.",
    'Reclamou do atraso na entrega; pediu "prioridade máxima".',
    "Referência comercial: Móveis Falcão Ltda.; contato com o Sr. Damião.",
    "Histórico de inadimplência em 2023.\nNegociar com cuidado; exigir entrada.",
    "Não ligar aos sábados.",
    "Quer orçamento para cozinha e área de serviço.",
)
SUBJECTS = (
    "Confirmação de horário",
    "Orçamento enviado",
    "Lembrete de vencimento",
    "Promoção de inverno",
    "Pesquisa de satisfação",
    "Boas-vindas",
    "Retorno da visita técnica",
    "Segunda via do boleto",
    "Dúvida sobre a entrega; ligar de volta",
    "Convite: aula experimental",
)
CAMPAIGN_NAMES = (
    "Verão",
    "Volta às aulas",
    "Dia das Mães",
    "Black Friday",
    "Natal",
    "Liquidação de inverno",
    "Aniversário da loja",
    "Feirão de planejados",
)
RETURN_REASONS = (
    "Produto com defeito",
    "Tamanho errado",
    "Cor diferente do pedido",
    'Cliente desistiu; "não coube no espaço"',
    "Avaria no transporte\nembalagem rasgada",
)
EQUIPMENT = (
    "Esteira elétrica",
    "Bicicleta ergométrica",
    "Cafeteira industrial",
    "Ar-condicionado split",
    "Refrigerador duplex",
    "Máquina de lavar 12 kg",
    "Fogão 5 bocas",
    "Coifa de inox",
)
SERVICE_DESCRIPTIONS = (
    "Mão de obra; diagnóstico",
    "Visita técnica",
    "Limpeza e lubrificação",
    "Troca de peça\ncom teste de funcionamento",
    "Regulagem",
)
PART_DESCRIPTIONS = (
    "Correia",
    "Placa eletrônica",
    "Sensor de temperatura",
    "Borracha da porta",
    "Motor 1/2 cv",
    "Rolamento",
)
SUPPLIERS = (
    "Madeireira São João Ltda.",
    "Ferragens Conceição",
    "MDF Brasil S.A.",
    "Vidraçaria Assunção",
    "Metalúrgica Falcão",
    "Tintas Gonçalves & Cia.",
)
SPECIFIERS = (
    "Arq. Lúcia Brandão",
    "Arq. Sérgio D'Ávila",
    "Designer Tânia Simões",
    "Eng. Otávio Nóbrega",
    'Estúdio "Casa & Forma"',
)
AREAS = ("Sala Água", "Salão Principal", "Espaço Zen", "Quadra Coberta", "Estúdio Pilates")
ACTIVITIES = (
    "Hidroginástica",
    "Pilates",
    "Yoga",
    "Funcional",
    "Spinning",
    "Natação infantil",
    "Dança de salão",
    "Alongamento",
)
PRODUCT_CATALOGUE = (  # (name, category)
    ("Cadeira ergonômica", "Móveis"),
    ("Mesa de jantar 6 lugares", "Móveis"),
    ("Armário planejado", "Planejados"),
    ("Cozinha planejada (módulo)", "Planejados"),
    ("Sofá retrátil 3 lugares", "Estofados"),
    ("Colchão de espuma D33", "Colchões"),
    ("Tapete 2x3 m", "Decoração"),
    ("Luminária de piso", "Iluminação"),
    ("Camiseta dry-fit", "Vestuário"),
    ("Tênis de corrida", "Calçados"),
    ("Kit de halteres", "Fitness"),
    ("Cafeteira elétrica", "Eletroportáteis"),
)
SIZES = ("PP", "P", "M", "G", "GG", "36", "38", "40", "42")


def strip_accents(text: str) -> str:
    """ASCII fold, for e-mail addresses."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def person_name(rnd: random.Random) -> str:
    """A Portuguese full name; a few carry a quoted nickname."""
    first = rnd.choice(FIRST_NAMES)
    last = " ".join(rnd.sample(LAST_NAMES, rnd.randint(1, 2)))
    if rnd.random() < 0.03:
        return f'{first} "{rnd.choice(NICKNAMES)}" {last}'
    return f"{first} {last}"


def company_name(rnd: random.Random) -> str:
    return f"{rnd.choice(COMPANY_WORDS)} {rnd.choice(LAST_NAMES)} {rnd.choice(COMPANY_SUFFIX)}"


def email_for(name: str, n: int, domain: str = "email.com.br") -> str:
    parts = strip_accents(name).lower().replace('"', "").replace("'", "").split()
    local = ".".join(p for p in (parts[0], parts[-1]) if p.isalnum() or p.isalpha())
    return f"{local}{n}@{domain}"
