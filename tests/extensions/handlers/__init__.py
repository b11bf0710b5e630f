"""Extra channel modules found through a dotted path in the test settings."""
