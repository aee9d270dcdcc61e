"""Labels: GS1 Digital Link URIs and QR codes for lots, boxes, cases and pallets."""
