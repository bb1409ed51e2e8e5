"""Official case statistics: staff keep a table of the latest figures per region (console
form, or `python -m bot.cli stats import FILE`), and the assistant quotes them with their
date and source, saying plainly when they are old or missing.

    figures.py   one region's figures on one day, and the checks every way in shares
    importer.py  a CSV or JSON file read into figures, refused whole on any mistake
    store.py     the table: latest figures per region, save one, import many atomically
    regions.py   which region a person's message asks about
    answers.py   what the assistant says, from the figures (pure: no database, no Rasa)
    cli.py       `stats import` and `stats list`
"""
