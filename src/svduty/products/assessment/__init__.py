"""The parts of the strategic needs assessment (svduty.products.sna): its period, its plain-data
model, the warehouse narrowed to its area and period, one module per group of sections, and the
rules that turn findings into recommendations."""
