"""Alert rules evaluated once a minute per tenant (in the sweeper's tick), and their
notifications."""
