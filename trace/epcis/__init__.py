"""GS1 EPCIS 2.0 and CBV 2.0: the CBV event hash (hash, epc), and the mapping of our events to EPCIS events
(mapping). Pure Python: no web or database imports."""
