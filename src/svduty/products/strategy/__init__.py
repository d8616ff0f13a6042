"""The local strategy (`svduty strategy`): a YAML file the partnership edits, checked and written
as an accessible HTML page.

``file`` reads and validates the file into plain data (``load``); ``check`` checks it against
other things (the needs assessment, the partnership's areas, the ONS geography); ``toolkit`` owns
the YEF Toolkit catalogue (``catalogues/``) and the evidence warnings; ``fit`` says which measures
fit a priority's focus; ``page`` renders it (``write``); ``template`` writes a new partnership's
starting file. ``examples/`` holds the example strategies shipped with svduty. docs/strategy.md
explains the file and the decisions.
"""
