"""The kinds of period a measure is given for: in a module of their own, importing nothing, so
the command line can name them in its help without importing the statistics behind them."""

PERIOD_TYPES = ("month", "quarter", "calendar_year", "financial_year")
ANNUAL = ("calendar_year", "financial_year")
