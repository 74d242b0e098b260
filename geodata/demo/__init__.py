"""The seeded demo generator: the INFObras works export and, around the works, every other
source Mirador reads, each written in its real format (geodata.demo.dataset says which files).
`python -m geodata.demo --works N --seed S --out DIR` runs it."""
