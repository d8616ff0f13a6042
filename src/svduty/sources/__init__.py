"""One module per partner feed: its columns, its parser, its validation, its canonical mapping."""
