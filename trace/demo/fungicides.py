"""The fungicides the demo's gardens spray, several a season, each chemical product at most once a season
(docs/DOMAIN.md §Pesticides: Jilin's standard), rotated so that no chemical repeats within a season.

The registration numbers are of the registry's form (rules.yaml ``registration_number``) and listed in the
rules file's ``registration_product.known`` table with their active ingredients, marked [asm]: they are the
demo's own numbers, not ICAMA records. Doses [g a.i./hm²] and pre-harvest intervals [days] are the demo's,
of the usual order for these products on ginseng [asm], not read from a label."""

from __future__ import annotations

from .story import Fungicide

MANCOZEB = Fungicide("代森锰锌 mancozeb 80% WP", "PD20200101", "mancozeb", 1440, 28)
AZOXYSTROBIN = Fungicide("嘧菌酯 azoxystrobin 25% SC", "PD20200102", "azoxystrobin", 225, 14)
DIFENOCONAZOLE = Fungicide("苯醚甲环唑 difenoconazole 10% WG", "PD20200103", "difenoconazole", 90, 21)
IPRODIONE = Fungicide("异菌脲 iprodione 50% WP", "PD20200104", "iprodione", 750, 30)
METALAXYL_M = Fungicide("精甲霜灵 metalaxyl-M 25% EC", "PD20200105", "metalaxyl-M", 105, 21)
POLYOXIN = Fungicide("多抗霉素 polyoxin B 10% WP", "PD20200106", "polyoxin B", 150, 7, biological=True)
BACILLUS_SUBTILIS = Fungicide(
    "枯草芽孢杆菌 Bacillus subtilis WP", "PD20171234", "Bacillus subtilis", 1500, 14, biological=True
)
