"""Publication: what users read (analysts' snapshot, open data, annual report and fiches, dataviz)."""
